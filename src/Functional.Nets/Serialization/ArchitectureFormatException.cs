using System.Globalization;
using System.Text;

namespace Functional.Nets.Serialization;

/// <summary>
/// An architecture file that cannot be read: malformed JSON, an unknown layer type, a missing or
/// mistyped field. The message names where: the file (if known), the JSON path (<c>$.layers[2].type</c>)
/// and the line and byte in that line, both counted from 1 as editors do.
/// </summary>
public sealed class ArchitectureFormatException : Exception
{
    /// <summary>Creates the exception; <paramref name="line"/> and <paramref name="bytePositionInLine"/> count from 1.</summary>
    public ArchitectureFormatException(string problem, string jsonPath, long? line, long? bytePositionInLine, string? fileName = null, Exception? inner = null)
        : base(Format(problem, jsonPath, line, bytePositionInLine, fileName), inner)
    {
        Problem = problem;
        JsonPath = jsonPath;
        Line = line;
        BytePositionInLine = bytePositionInLine;
        FileName = fileName;
    }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    /// <summary>Where in the document, as a JSON path (<c>$</c> is the root).</summary>
    public string JsonPath { get; }

    /// <summary>The line (from 1), where known.</summary>
    public long? Line { get; }

    /// <summary>The byte in that line (from 1; UTF-8 bytes, as <see cref="System.Text.Json.JsonException"/> counts), where known.</summary>
    public long? BytePositionInLine { get; }

    /// <summary>The file the document came from, where known.</summary>
    public string? FileName { get; }

    /// <summary>The same error, naming the file it came from.</summary>
    public ArchitectureFormatException InFile(string fileName) =>
        new(Problem, JsonPath, Line, BytePositionInLine, fileName, InnerException);

    private static string Format(string problem, string path, long? line, long? column, string? file)
    {
        // file:line:byte first, as compilers print it, so editors and terminals can jump to it.
        var sb = new StringBuilder();
        if (file is not null)
        {
            sb.Append(file).Append(':');
        }

        if (line is { } l)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{(file is null ? "line " : "")}{l}");
            if (column is { } c)
            {
                sb.Append(CultureInfo.InvariantCulture, $":{c}");
            }

            sb.Append(':');
        }

        if (sb.Length > 0)
        {
            sb.Append(' ');
        }

        return sb.Append("at ").Append(path).Append(": ").Append(problem).ToString();
    }
}

using Functional.Nets.Serialization;

namespace Functional.Nets.Tests.Serialization;

/// <summary>
/// Bad architecture files fail with <see cref="ArchitectureFormatException"/> saying what and where: the
/// JSON path, the line and byte (from 1), and for unknown types the known ones.
/// </summary>
public sealed class MalformedArchitectureTests
{
    private const string Xor = """
        {
          "type": "Sequential",
          "layers": [
            { "type": "Dense", "inputs": 2, "outputs": 2 },
            { "type": "Sigmoid" },
            { "type": "Dense", "inputs": 2, "outputs": 1 },
            { "type": "Sigmoid" }
          ]
        }
        """;

    /// <summary>Each case: the file, the expected JSON path, line, byte, and a phrase of the message.</summary>
    public static TheoryData<string, string, long, long, string> Cases => new()
    {
        // A syntax error: a missing comma between two layers (line 5, where the second '{' starts).
        { Xor.Replace("\"outputs\": 2 },", "\"outputs\": 2 }", StringComparison.Ordinal), "$.layers[1]", 5, 5, "malformed JSON" },

        // Unknown layer type, with the nearest known one and the list.
        { Xor.Replace("\"Sigmoid\" },", "\"Sigmod\" },", StringComparison.Ordinal), "$.layers[1].type", 5, 7, "unknown layer type 'Sigmod' (did you mean 'Sigmoid'?); known: AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, BatchNorm, Branches, Conv1d, Conv2d, ConvTranspose2d, Dense, DropConnect, Dropout, Dropout2d, ELU, Embedding, EvalMode, Flatten, Gru, Identity" },

        // Misspelt field: the missing one is named, with the near miss.
        { Xor.Replace("\"inputs\": 2, \"outputs\": 1", "\"inputs\": 2, \"ouputs\": 1", StringComparison.Ordinal), "$.layers[2].ouputs", 6, 37, "Dense needs the field 'outputs' (found 'ouputs': misspelt?)" },

        // An extra field a layer does not have.
        { Xor.Replace("{ \"type\": \"Sigmoid\" },", "{ \"type\": \"Sigmoid\", \"alpha\": 1 },", StringComparison.Ordinal), "$.layers[1].alpha", 5, 26, "unknown field 'alpha' for Sigmoid" },

        // A mistyped value.
        { Xor.Replace("\"inputs\": 2, \"outputs\": 2", "\"inputs\": \"2\", \"outputs\": 2", StringComparison.Ordinal), "$.layers[0].inputs", 4, 24, "'inputs' must be an integer, got \"2\"" },

        // A value the constructor rejects keeps the constructor's words.
        { Xor.Replace("\"inputs\": 2, \"outputs\": 2", "\"inputs\": 2, \"outputs\": 0", StringComparison.Ordinal), "$.layers[0]", 4, 5, "widths must be positive" },

        // Unknown initializer.
        { Xor.Replace("\"outputs\": 1 }", "\"outputs\": 1, \"weightInit\": \"Xavier\" }", StringComparison.Ordinal), "$.layers[2].weightInit", 6, 51, "unknown initializer 'Xavier'" },

        // No type at all.
        { Xor.Replace("{ \"type\": \"Sigmoid\" },", "{ \"kind\": \"Sigmoid\" },", StringComparison.Ordinal), "$.layers[1]", 5, 5, "needs a string field \"type\"; known types:" },

        // A layer that is not an object; an empty Sequential; a root that is an array.
        { Xor.Replace("{ \"type\": \"Sigmoid\" },", "\"Sigmoid\",", StringComparison.Ordinal), "$.layers[1]", 5, 5, "expected a layer object" },
        { "{ \"type\": \"Sequential\", \"layers\": [] }", "$.layers", 1, 25, "needs at least one layer" },
        { "[1, 2]", "$", 1, 1, "expected a model object" },

        // Unknown loss; a bad input shape.
        { "{ \"loss\": \"CrossEntropy\", \"type\": \"ReLU\" }", "$.loss", 1, 3, "unknown loss 'CrossEntropy'; known: MeanSquaredError" },
        { "{ \"input\": [0], \"type\": \"ReLU\" }", "$.input", 1, 3, "must list positive dimensions" },

        // Truncated and empty documents.
        { "{ \"type\": \"Sequential\", \"layers\": [", "$.layers[0]", 1, 36, "malformed JSON" },
        { "", "$", 1, 1, "malformed JSON" },
    };

    /// <summary>The error names the path, line and byte, and says what is wrong.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Errors_say_what_and_where(string json, string path, long line, long bytePosition, string phrase)
    {
        var e = Assert.Throws<ArchitectureFormatException>(() => ArchitectureJson.Parse(json));
        Assert.Contains(phrase, e.Message, StringComparison.Ordinal);
        Assert.Equal(path, e.JsonPath);
        Assert.Equal(line, e.Line);
        Assert.Equal(bytePosition, e.BytePositionInLine);
        Assert.StartsWith($"line {line}:{bytePosition}: at {path}: ", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Loading a file puts its name first, compiler style (file:line:byte).</summary>
    [Fact]
    public void Load_names_the_file()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"fnets-bad-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, Xor.Replace("\"Sigmoid\" },", "\"Sigmod\" },", StringComparison.Ordinal));
        try
        {
            var e = Assert.Throws<ArchitectureFormatException>(() => ArchitectureJson.Load(path));
            Assert.StartsWith($"{path}:5:7: at $.layers[1].type: unknown layer type 'Sigmod'", e.Message, StringComparison.Ordinal);
            Assert.Equal(path, e.FileName);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

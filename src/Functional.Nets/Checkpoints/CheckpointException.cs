namespace Functional.Nets;

/// <summary>
/// Raised when a checkpoint or safetensors file cannot be read as claimed: truncated, an oversized or
/// malformed header, offsets that do not tile the data buffer, a byte count that does not fit the shape,
/// or leaves that do not match the tree the caller expects. The message names the file and, where one
/// applies, the leaf, with what was expected and what was found.
/// </summary>
public sealed class CheckpointException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/> and, if given, <paramref name="leaf"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="leaf">The leaf (tensor name) the problem concerns, or null for the file as a whole.</param>
    /// <param name="problem">What is wrong: expected versus found.</param>
    /// <param name="inner">The underlying error (a JSON or I/O exception), if any.</param>
    public CheckpointException(string path, string? leaf, string problem, Exception? inner = null)
        : base(Format(path, leaf, problem), inner)
    {
        Path = path;
        Leaf = leaf;
        Problem = problem;
    }

    /// <summary>Creates the exception for a file whose entries do not fit the tree they were to be loaded into.</summary>
    /// <param name="path">The file.</param>
    /// <param name="problem">What is wrong, listing the names and shapes.</param>
    /// <param name="report">The comparison of the file with the target tree.</param>
    public CheckpointException(string path, string problem, LoadReport report)
        : this(path, null, problem)
    {
        Report = report;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The leaf concerned, or null when the problem is with the file as a whole.</summary>
    public string? Leaf { get; }

    /// <summary>The problem, without the file and leaf prefix.</summary>
    public string Problem { get; }

    /// <summary>When loading into a tree failed (<see cref="Checkpoint.LoadInto"/>), the full comparison; otherwise null.</summary>
    public LoadReport? Report { get; }

    private static string Format(string path, string? leaf, string problem) =>
        leaf is null ? $"checkpoint '{path}': {problem}" : $"checkpoint '{path}', leaf '{leaf}': {problem}";
}

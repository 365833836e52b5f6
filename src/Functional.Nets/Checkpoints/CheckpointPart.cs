namespace Functional.Nets;

/// <summary>Which entries of a checkpoint <see cref="Checkpoint.LoadInto"/> takes as its source.</summary>
public enum CheckpointPart
{
    /// <summary>The parameters: every entry that is neither optimizer state nor listed as layer state.</summary>
    Parameters,

    /// <summary>The layer state (running statistics): the entries the file's metadata lists as layer state.</summary>
    LayerState,
}

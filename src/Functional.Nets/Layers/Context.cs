namespace Functional.Nets;

/// <summary>Whether a layer runs for training (batch statistics, dropout on) or evaluation.</summary>
public enum Mode
{
    /// <summary>Training: dropout drops, batch norm uses and updates batch statistics.</summary>
    Train,

    /// <summary>Evaluation: deterministic; batch norm uses its running statistics.</summary>
    Eval,
}

/// <summary>
/// Everything a layer's <c>Apply</c> needs besides parameters, state and input: the mode and, for
/// stochastic layers, a random key. Passing it explicitly keeps <c>Apply</c> pure.
/// </summary>
/// <param name="Mode">Training or evaluation.</param>
/// <param name="Key">Randomness for stochastic layers (dropout); containers split it among children.</param>
public readonly record struct Context(Mode Mode, Key? Key = null)
{
    /// <summary>
    /// Evaluation mode with no randomness. Switching a whole model to evaluation is this one argument:
    /// <c>model.Apply(parameters, state, x, Context.Eval)</c>. Containers pass the mode to every child, so
    /// dropout and DropConnect become deterministic and batch norm uses its running statistics (and returns
    /// its state unchanged); nothing in the model or its parameters is modified.
    /// </summary>
    public static Context Eval => new(Mode.Eval);

    /// <summary>Training mode with the given randomness.</summary>
    public static Context Train(Key key) => new(Mode.Train, key);

    /// <summary>Training mode without randomness: fine for models with no stochastic layer.</summary>
    public static Context TrainDeterministic => new(Mode.Train);

    /// <summary>The context for child <paramref name="index"/> of a container: same mode, key folded with the index.</summary>
    public Context ForChild(int index) => this with { Key = Key?.Fold((ulong)index) };
}

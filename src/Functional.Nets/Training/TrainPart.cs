namespace Functional.Nets;

/// <summary>
/// One named part of a <see cref="MultiPartState"/> (a GAN's generator or discriminator, an autoencoder): its
/// parameters, its layer state, the optimizer that trains it and that optimizer's state.
/// </summary>
/// <param name="Name">The part's name: letters, digits, '_' or '-' (no '.', which separates it from its leaves in nested trees and checkpoints).</param>
/// <param name="Parameters">The part's parameters.</param>
/// <param name="LayerState">The part's layer state (empty for stateless models).</param>
/// <param name="Optimizer">The optimizer of this part.</param>
/// <param name="OptimizerState">That optimizer's state.</param>
public sealed record TrainPart(string Name, TensorTree Parameters, TensorTree LayerState, Optimizer Optimizer, TensorTree OptimizerState)
{
    /// <summary>A fresh part: parameters drawn from <paramref name="key"/>, the model's initial state, the optimizer's initial state.</summary>
    public static TrainPart Create(string name, Layer model, Optimizer optimizer, Key key, Backend backend)
    {
        RequireValidName(name);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        var parameters = model.Init(key, backend);
        return new TrainPart(name, parameters, model.InitState(backend), optimizer, optimizer.Init(parameters));
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="name"/> is a valid part name.</summary>
    internal static void RequireValidName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
        {
            throw new ArgumentException(
                $"TrainPart: the part name '{name}' may hold only ASCII letters, digits, '_' and '-' ('.' separates a part from its leaves)", nameof(name));
        }
    }
}

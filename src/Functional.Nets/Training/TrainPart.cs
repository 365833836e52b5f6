namespace Functional.Nets;

/// <summary>
/// One named part of a <see cref="MultiPartState"/> (a GAN's generator or discriminator, an autoencoder): its
/// parameters, its layer state, the optimizer that trains it and that optimizer's state.
/// </summary>
/// <param name="Name">The part's name: letters, digits, '_' or '-' (no '.', which separates it from its leaves in nested trees and checkpoints).</param>
/// <param name="Parameters">The part's parameters.</param>
/// <param name="LayerState">The part's layer state (empty for stateless models).</param>
/// <param name="Optimizer">The optimizer of this part.</param>
/// <param name="OptimizerState">That optimizer's state (of the <see cref="TrainableParameters"/> only, when some are <see cref="Frozen"/>).</param>
/// <remarks>
/// Freezing: leaves whose names satisfy <see cref="Frozen"/> are constants of every update that trains this part (no
/// gradient is computed for them, see <see cref="Grad.ValueAndGradTrainable"/>)
/// and keep their tensors; the optimizer and its state see only the <see cref="TrainableParameters"/>. Checkpoints
/// still save every leaf. Freezing is about parameters; to run a frozen batch norm on its running statistics, wrap the
/// layer in <see cref="EvalMode"/>.
/// </remarks>
/// <example><code>
/// // A pretrained backbone as child "0" of Sequential(backbone, head): only the head trains.
/// var part = TrainPart.Create("model", model, Optim.Adam(1e-3), key, backend).Freeze("0");
/// </code></example>
public sealed record TrainPart(string Name, TensorTree Parameters, TensorTree LayerState, Optimizer Optimizer, TensorTree OptimizerState)
{
    /// <summary>The part's name: letters, digits, '_' or '-' (no '.', which separates it from its leaves in nested trees and checkpoints).</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public string Name { get; init => field = value ?? throw new ArgumentNullException(nameof(Name)); } = Name ?? throw new ArgumentNullException(nameof(Name));

    /// <summary>The part's parameters.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public TensorTree Parameters { get; init => field = value ?? throw new ArgumentNullException(nameof(Parameters)); } = Parameters ?? throw new ArgumentNullException(nameof(Parameters));

    /// <summary>The part's layer state (empty for stateless models).</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public TensorTree LayerState { get; init => field = value ?? throw new ArgumentNullException(nameof(LayerState)); } = LayerState ?? throw new ArgumentNullException(nameof(LayerState));

    /// <summary>The optimizer of this part.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public Optimizer Optimizer { get; init => field = value ?? throw new ArgumentNullException(nameof(Optimizer)); } = Optimizer ?? throw new ArgumentNullException(nameof(Optimizer));

    /// <summary>That optimizer's state (of the <see cref="TrainableParameters"/> only, when some are <see cref="Frozen"/>).</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public TensorTree OptimizerState { get; init => field = value ?? throw new ArgumentNullException(nameof(OptimizerState)); } = OptimizerState ?? throw new ArgumentNullException(nameof(OptimizerState));

    /// <summary>
    /// Which parameter leaves (by name, e.g. <c>0.weight</c>) are frozen; null when none is. Set it with
    /// <see cref="Freeze(Func{string, bool})"/>, which also makes the optimizer state fit the trainable leaves.
    /// </summary>
    public Func<string, bool>? Frozen { get; init; }

    /// <summary>The leaves the optimizer trains: <see cref="Parameters"/> without the <see cref="Frozen"/> ones, in order.</summary>
    public TensorTree TrainableParameters => Frozen is null ? Parameters : Parameters.Without(Frozen);

    /// <summary>The <see cref="Frozen"/> leaves, in order (empty when none is).</summary>
    public TensorTree FrozenParameters => Frozen is null ? TensorTree.Empty : Parameters.Where(Frozen);

    /// <summary>
    /// A fresh part with the leaves satisfying <paramref name="frozen"/> frozen: parameters drawn from
    /// <paramref name="key"/> (the same as without freezing), the model's initial state, and the optimizer's initial
    /// state of the trainable leaves only.
    /// </summary>
    public static TrainPart Create(string name, Layer model, Optimizer optimizer, Key key, Backend backend, Func<string, bool>? frozen)
    {
        var part = Create(name, model, optimizer, key, backend);
        return frozen is null ? part : part.Freeze(frozen);
    }

    /// <summary>
    /// This part with the leaves satisfying <paramref name="frozen"/> frozen as well (those already frozen stay so) and
    /// a fresh optimizer state of the remaining trainable leaves (<c>Optimizer.Init</c>; the old optimizer state is
    /// left to the caller). The parameters and layer state are the same tensors.
    /// </summary>
    /// <exception cref="ArgumentException">No parameter leaf satisfies <paramref name="frozen"/> (a typo would freeze nothing), or every leaf would be frozen.</exception>
    public TrainPart Freeze(Func<string, bool> frozen)
    {
        ArgumentNullException.ThrowIfNull(frozen);
        if (!Parameters.Names.Any(frozen))
        {
            throw new ArgumentException($"TrainPart '{Name}': Freeze matches none of the parameters {Parameters.Describe()}", nameof(frozen));
        }

        var previous = Frozen;
        Func<string, bool> union = previous is null ? frozen : n => previous(n) || frozen(n);
        var trainable = Parameters.Without(union);
        if (trainable.Count == 0)
        {
            throw new ArgumentException(
                $"TrainPart '{Name}': Freeze would freeze every parameter; leave the part out of the updates instead", nameof(frozen));
        }

        return this with { Frozen = union, OptimizerState = Optimizer.Init(trainable) };
    }

    /// <summary>
    /// This part with every leaf under one of <paramref name="prefixes"/> frozen (a prefix is whole name segments: <c>"0"</c>
    /// freezes <c>0.weight</c> and <c>0.1.bias</c>, not <c>10.weight</c>); see <see cref="Freeze(Func{string, bool})"/>.
    /// </summary>
    public TrainPart Freeze(params string[] prefixes)
    {
        ArgumentNullException.ThrowIfNull(prefixes);
        if (prefixes.Length == 0 || prefixes.Any(p => string.IsNullOrEmpty(p) || p.EndsWith('.')))
        {
            throw new ArgumentException($"TrainPart '{Name}': give one or more prefixes of whole name segments without a trailing dot (e.g. \"0\" or \"backbone\")", nameof(prefixes));
        }

        return Freeze(Under(prefixes));
    }

    /// <summary>This part with nothing frozen and a fresh optimizer state of every leaf (the old one is left to the caller).</summary>
    public TrainPart Unfreeze() => this with { Frozen = null, OptimizerState = Optimizer.Init(Parameters) };

    /// <summary>
    /// The name filter of leaves under any of <paramref name="prefixes"/>: a name equal to a prefix or continuing it
    /// with a dot (PyTorch's module naming).
    /// </summary>
    public static Func<string, bool> Under(params string[] prefixes)
    {
        ArgumentNullException.ThrowIfNull(prefixes);
        var copy = prefixes.ToArray();
        return name => copy.Any(p => name.StartsWith(p, StringComparison.Ordinal) && (name.Length == p.Length || name[p.Length] == '.'));
    }

    /// <summary>
    /// This part's parameters with the trainable leaves replaced by <paramref name="trainable"/>'s (same names), in the
    /// original order; the frozen leaves are the same tensors.
    /// </summary>
    internal TensorTree WithTrainable(TensorTree trainable)
    {
        if (Frozen is null)
        {
            return trainable;
        }

        var frozen = Frozen;
        return TensorTree.Of(Parameters.Select(l => frozen(l.Key) ? l : KeyValuePair.Create(l.Key, trainable[l.Key])));
    }

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

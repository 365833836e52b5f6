namespace Functional.Nets;

/// <summary>
/// A model over sequences whose carry is an explicit argument and result: from the parameters, the layer state, an
/// input [N, T, F] and the carry at its first step (null: the cells' zero carry), the output, the carry after its
/// last step and the new layer state. <see cref="TruncatedBptt"/> trains one chunk of a long sequence at a time with it.
/// Make one from a <see cref="Scan"/> or a <see cref="Sequential"/> of scans and other layers with
/// <see cref="TruncatedBptt.Model(Layer)"/>.
/// </summary>
/// <param name="parameters">The parameters.</param>
/// <param name="state">The layer state.</param>
/// <param name="input">The chunk of the sequence, [N, T, F].</param>
/// <param name="carry">The carry at the chunk's first step, or null for the zero carry.</param>
/// <param name="context">Mode and key.</param>
public delegate ChunkResult RecurrentModel(TensorTree parameters, TensorTree state, Tensor input, TensorTree? carry, Context context);

/// <summary>What a <see cref="RecurrentModel"/> returns.</summary>
/// <param name="Output">The output over the chunk.</param>
/// <param name="Carry">The carry after the chunk's last step.</param>
/// <param name="State">The new layer state.</param>
public sealed record ChunkResult(Tensor Output, TensorTree Carry, TensorTree State)
{
    /// <summary>The output over the chunk.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public Tensor Output { get; init => field = value ?? throw new ArgumentNullException(nameof(Output)); } = Output ?? throw new ArgumentNullException(nameof(Output));

    /// <summary>The carry after the chunk's last step.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public TensorTree Carry { get; init => field = value ?? throw new ArgumentNullException(nameof(Carry)); } = Carry ?? throw new ArgumentNullException(nameof(Carry));

    /// <summary>The new layer state.</summary>
    /// <exception cref="ArgumentNullException">Set to null (by the constructor or <c>with</c>).</exception>
    public TensorTree State { get; init => field = value ?? throw new ArgumentNullException(nameof(State)); } = State ?? throw new ArgumentNullException(nameof(State));
}

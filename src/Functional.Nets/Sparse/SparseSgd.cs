namespace Functional.Nets;

/// <summary>
/// Plain gradient descent on the rows a batch touched: θ[r] ← θ[r] − η(t)·g[r] for the rows r of the gradient, the other
/// rows unchanged. This is the dense SGD step exactly (the dense gradient is zero elsewhere), at the cost of the touched
/// rows. η is a <see cref="Schedule"/> of the step count t = 0, 1, …; state: <c>step</c>.
/// </summary>
public sealed class SparseSgd : SparseOptimizer
{
    /// <summary>Creates the optimizer with a constant learning rate.</summary>
    public SparseSgd(double learningRate)
        : this(Schedules.Constant(learningRate)) => Description = $"SparseSgd(lr={learningRate:G})";

    /// <summary>Creates the optimizer with a learning-rate schedule.</summary>
    public SparseSgd(Schedule learningRate)
    {
        LearningRate = learningRate ?? throw new ArgumentNullException(nameof(learningRate));
        Description = "SparseSgd(lr=schedule)";
    }

    /// <summary>η(t).</summary>
    public Schedule LearningRate { get; }

    private string Description { get; init; }

    /// <inheritdoc />
    public override string Describe() => Description;

    /// <inheritdoc />
    public override TensorTree Init(Tensor table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return TensorTree.Of([StepCount.Zero(TensorTree.Of(("weight", table)))]);
    }

    /// <inheritdoc />
    public override (Tensor Table, TensorTree State) Step(SparseRows gradient, TensorTree state, Tensor table, bool donate = false)
    {
        RequireFits(gradient, table);
        ArgumentNullException.ThrowIfNull(state);
        var t = StepCount.Read(state);
        var next = RowUpdates.Add(table, gradient.Indices, gradient.Values, -LearningRate(t), donate);
        return (next, TensorTree.Of([StepCount.Next(state, t)]));
    }
}

namespace Functional.Nets.Tests.Optimizers;

/// <summary>
/// Optimizer state is a <see cref="TensorTree"/> that checkpoints save: its leaves carry PyTorch's slot names
/// (<c>momentum_buffer</c>, <c>sum</c>, <c>square_avg</c>, <c>grad_avg</c>, <c>acc_delta</c>, <c>exp_avg</c>,
/// <c>exp_avg_sq</c>, <c>step</c>) under the chain position; hyperparameters are checked as PyTorch checks them.
/// </summary>
public sealed class OptimizerStateTests
{
    private static readonly TensorTree Parameters = TensorTree.Of(
        ("0.weight", BackendCombinations.Resolve(BackendCombinations.Reference).FromArray([1.0, -2.0], new Shape(2))));

    /// <summary>Each factory's state names, in order.</summary>
    [Theory]
    [InlineData("sgd", "step")]
    [InlineData("sgd momentum", "0.step 0.0.weight.momentum_buffer 1.step")]
    [InlineData("sgd nesterov", "0.step 0.0.weight.momentum_buffer 1.step")]
    [InlineData("adagrad", "0.0.weight.sum 1.step")]
    [InlineData("rmsprop", "0.0.weight.square_avg 1.step")]
    [InlineData("rmsprop centered, momentum", "0.0.weight.square_avg 0.0.weight.grad_avg 1.step 1.0.weight.momentum_buffer 2.step")]
    [InlineData("adadelta", "0.0.weight.square_avg 0.0.weight.acc_delta 1.step")]
    [InlineData("adam", "0.step 0.0.weight.exp_avg 0.0.weight.exp_avg_sq 1.step")]
    [InlineData("adamw", "0.step 0.0.weight.exp_avg 0.0.weight.exp_avg_sq 2.step")]
    [InlineData("adam amsgrad", "0.step 0.0.weight.exp_avg 0.0.weight.exp_avg_sq 0.0.weight.max_exp_avg_sq 1.step")]
    [InlineData("adamw amsgrad", "0.step 0.0.weight.exp_avg 0.0.weight.exp_avg_sq 0.0.weight.max_exp_avg_sq 2.step")]
    [InlineData("adamax", "0.step 0.0.weight.exp_avg 0.0.weight.exp_inf 1.step")]
    [InlineData("nadam", "0.step 0.mu_product 0.0.weight.exp_avg 0.0.weight.exp_avg_sq 1.step")]
    [InlineData("nadam decoupled", "0.step 0.mu_product 0.0.weight.exp_avg 0.0.weight.exp_avg_sq 2.step")]
    [InlineData("radam", "0.step 0.0.weight.exp_avg 0.0.weight.exp_avg_sq 1.step")]
    [InlineData("radam l2", "1.step 1.0.weight.exp_avg 1.0.weight.exp_avg_sq 2.step")]
    [InlineData("lecture momentum", "step 0.weight.velocity")]
    [InlineData("lecture nesterov", "step 0.weight.velocity")]
    public void State_leaves_have_PyTorch_slot_names(string optimizer, string names)
    {
        var built = optimizer switch
        {
            "sgd" => Optim.Sgd(0.1),
            "sgd momentum" => Optim.Sgd(0.1, momentum: 0.9),
            "sgd nesterov" => Optim.Sgd(0.1, momentum: 0.9, nesterov: true),
            "adagrad" => Optim.Adagrad(),
            "rmsprop" => Optim.RmsProp(),
            "rmsprop centered, momentum" => Optim.RmsProp(momentum: 0.9, centered: true),
            "adadelta" => Optim.Adadelta(),
            "adam" => Optim.Adam(),
            "adamw" => Optim.AdamW(),
            "adam amsgrad" => Optim.Adam(amsgrad: true),
            "adamw amsgrad" => Optim.AdamW(amsgrad: true),
            "adamax" => Optim.Adamax(),
            "nadam" => Optim.NAdam(),
            "nadam decoupled" => Optim.NAdam(weightDecay: 0.1, decoupledWeightDecay: true),
            "radam" => Optim.RAdam(),
            "radam l2" => Optim.RAdam(weightDecay: 0.1),
            "lecture momentum" => Optim.LectureMomentum(0.1),
            "lecture nesterov" => Optim.LectureNesterov(0.1),
            _ => throw new ArgumentOutOfRangeException(nameof(optimizer), optimizer, "unknown optimizer"),
        };
        Assert.Equal(names.Split(' '), built.Init(Parameters).Names);
        var (_, next) = built.Step(Parameters.Map(p => p * 0.5), built.Init(Parameters), Parameters);
        Assert.Equal(names.Split(' '), next.Names);
    }

    /// <summary>The step counters count updates.</summary>
    [Fact]
    public void Step_counters_count_updates()
    {
        var adam = Optim.Adam();
        var (p, s) = (Parameters, adam.Init(Parameters));
        for (var t = 0; t < 3; t++)
        {
            (p, s) = adam.Step(Parameters.Map(x => x * 0.5), s, p);
        }

        Assert.Equal(3.0, s["0.step"].Item());
        Assert.Equal(3.0, s["1.step"].Item());
    }

    /// <summary>Invalid hyperparameters are rejected as PyTorch rejects them, with a message naming the rule.</summary>
    [Fact]
    public void Invalid_hyperparameters_are_rejected()
    {
        Assert.Contains("Nesterov", Assert.Throws<ArgumentException>(() => Optim.Sgd(0.1, nesterov: true)).Message, StringComparison.Ordinal);
        Assert.Contains("Nesterov", Assert.Throws<ArgumentException>(() => Optim.Sgd(0.1, momentum: 0.9, dampening: 0.1, nesterov: true)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Optim.Sgd(-0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Optim.Sgd(0.1, momentum: -0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Optim.Sgd(0.1, weightDecay: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Optim.Adagrad(lrDecay: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Optim.RmsProp(alpha: 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Optim.Adadelta(rho: -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Optim.Adam(beta1: 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Optim.Adam(epsilon: -1, amsgrad: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => Optim.Adamax(beta2: 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Optim.Adamax(weightDecay: -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Optim.NAdam(beta1: -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Optim.NAdam(momentumDecay: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Optim.NAdam(weightDecay: -0.1, decoupledWeightDecay: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => Optim.RAdam(epsilon: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Optim.RAdam(-0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Optim.ClipByGlobalNorm(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Optim.ClipByValue(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => Optim.LectureNesterov(0.1, gamma: 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Optim.DecoupledWeightDecay(-0.1, 0.1));
    }
}

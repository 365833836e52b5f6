using System.Globalization;

namespace Functional.Nets.Examples.Optimizers;

/// <summary>One optimizer in the race, with the name the legend shows.</summary>
/// <param name="Name">The legend's name.</param>
/// <param name="IsLectureForm">Whether this is the lecture's form of a method that PyTorch writes differently (drawn dashed).</param>
/// <param name="Create">The optimizer for a surface's rates.</param>
internal sealed record Contender(string Name, bool IsLectureForm, Func<Rates, Optimizer> Create)
{
    /// <summary>Momentum γ (lecture) = μ (PyTorch) for every momentum method.</summary>
    public const double Momentum = 0.9;

    /// <summary>AdamW's decoupled weight decay λ: ten times PyTorch's default, so the pull towards 0 shows.</summary>
    public const double WeightDecay = 0.1;

    /// <summary>
    /// Every optimizer, in the lectures' order. The lecture and PyTorch forms of momentum are the same method
    /// with a constant rate (v = η·b), so their paths coincide up to rounding. Both Nesterov forms move the
    /// look-ahead point Ŵ = W − γv (where the gradient is taken); PyTorch's path is Ŵ, the lecture's is drawn as
    /// its weights W = Ŵ + γv, which run ahead of Ŵ by γv and meet it where v → 0.
    /// </summary>
    public static IReadOnlyList<Contender> All { get; } =
    [
        new("SGD", false, r => Optim.Sgd(r.Sgd)),
        new("momentum (lecture)", true, r => Optim.LectureMomentum(r.Sgd, Momentum)),
        new("momentum (PyTorch)", false, r => Optim.Sgd(r.Sgd, momentum: Momentum)),
        new("Nesterov (lecture, W)", true, r => Optim.LectureNesterov(r.Sgd, Momentum)),
        new("Nesterov (PyTorch)", false, r => Optim.Sgd(r.Sgd, momentum: Momentum, nesterov: true)),
        new("AdaGrad", false, r => Optim.Adagrad(r.Adagrad)),
        new("RMSprop", false, r => Optim.RmsProp(r.RmsProp)),
        new("AdaDelta", false, r => Optim.Adadelta(r.Adadelta)),
        new("Adam", false, r => Optim.Adam(r.Adam)),
        new("AdamW", false, r => Optim.AdamW(r.Adam, weightDecay: WeightDecay)),
    ];

    /// <summary>The rate this contender gets on a surface, for the table.</summary>
    public string RateOn(Rates r)
    {
        var rate = Name switch
        {
            "AdaGrad" => r.Adagrad,
            "RMSprop" => r.RmsProp,
            "AdaDelta" => r.Adadelta,
            "Adam" or "AdamW" => r.Adam,
            _ => r.Sgd,
        };
        return rate.ToString("G3", CultureInfo.InvariantCulture);
    }
}

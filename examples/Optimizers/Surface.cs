namespace Functional.Nets.Examples.Optimizers;

/// <summary>A point (x, y) of the plane.</summary>
internal readonly record struct Point(double X, double Y);

/// <summary>
/// The learning rates one surface gets: its gradients differ by orders of magnitude between surfaces, so a
/// rate that moves well on one diverges or crawls on another. Within a surface every optimizer of a family
/// gets the same rate, so their paths compare.
/// </summary>
/// <param name="Sgd">η of SGD and of both forms of momentum and Nesterov.</param>
/// <param name="Adagrad">AdaGrad's α.</param>
/// <param name="RmsProp">RMSprop's α.</param>
/// <param name="Adadelta">AdaDelta's lr (PyTorch's default is 1).</param>
/// <param name="Adam">Adam's and AdamW's α.</param>
internal sealed record Rates(double Sgd, double Adagrad, double RmsProp, double Adadelta, double Adam);

/// <summary>
/// A test function of two variables, written once in core tensor operations: the gradient comes from
/// <see cref="Grad.ValueAndGrad"/> on a two-leaf parameter tree (x, y), and the contour plot evaluates the
/// same function elementwise on a whole grid at once.
/// </summary>
/// <param name="Name">The function's name.</param>
/// <param name="Formula">The formula, for the plot's title.</param>
/// <param name="F">f(x, y) for tensors x and y of one shape, elementwise.</param>
/// <param name="Start">Where every optimizer starts.</param>
/// <param name="Target">The minimum (or, for the saddle, the saddle point) to mark.</param>
/// <param name="XRange">The plotted x range.</param>
/// <param name="YRange">The plotted y range.</param>
/// <param name="LogContours">Whether the contours are of ln(1 + f), for functions spanning many orders of magnitude.</param>
/// <param name="Steps">Steps per optimizer.</param>
/// <param name="Rates">The rates for this surface.</param>
internal sealed record Surface(
    string Name,
    string Formula,
    Func<Tensor, Tensor, Tensor> F,
    Point Start,
    Point Target,
    (double Min, double Max) XRange,
    (double Min, double Max) YRange,
    bool LogContours,
    int Steps,
    Rates Rates)
{
    /// <summary>
    /// Rosenbrock's banana: f = (1 − x)² + 100(y − x²)², minimum 0 at (1, 1) at the end of a long, curved,
    /// flat-bottomed valley whose walls are ~100 times steeper than its floor: plain gradient descent needs a
    /// rate small enough for the walls and then crawls along the floor.
    /// </summary>
    public static Surface Rosenbrock { get; } = new(
        "Rosenbrock",
        "(1 − x)² + 100(y − x²)²",
        (x, y) => (1 - x).Square() + 100 * (y - x.Square()).Square(),
        new Point(-1.5, 2.0),
        new Point(1, 1),
        (-2, 2),
        (-1, 3),
        LogContours: true,
        Steps: 2000,
        new Rates(Sgd: 1e-3, Adagrad: 0.5, RmsProp: 0.01, Adadelta: 1, Adam: 0.05));

    /// <summary>
    /// Beale's function: f = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)², minimum 0 at (3, 0.5),
    /// with flat plateaus and sharp ridges: steep near the start, nearly flat towards the minimum.
    /// </summary>
    public static Surface Beale { get; } = new(
        "Beale",
        "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
        (x, y) => (1.5 - x + x * y).Square() + (2.25 - x + x * y.Square()).Square() + (2.625 - x + x * y * y.Square()).Square(),
        new Point(1.0, 1.4),
        new Point(3, 0.5),
        (-4.5, 4.5),
        (-4.5, 4.5),
        LogContours: true,
        Steps: 1500,
        new Rates(Sgd: 1e-3, Adagrad: 0.5, RmsProp: 0.01, Adadelta: 1, Adam: 0.05));

    /// <summary>
    /// The saddle f = x² − y², started almost on the ridge y = 0: the gradient along y is tiny there, so
    /// gradient descent lingers near the saddle point while methods that rescale each coordinate escape at once.
    /// </summary>
    public static Surface Saddle { get; } = new(
        "Saddle",
        "x² − y²",
        (x, y) => x.Square() - y.Square(),
        new Point(1.0, 1e-3),
        new Point(0, 0),
        (-1.5, 1.5),
        (-1.5, 1.5),
        LogContours: false,
        Steps: 300,
        new Rates(Sgd: 0.01, Adagrad: 0.1, RmsProp: 0.005, Adadelta: 1, Adam: 0.01));

    /// <summary>The three surfaces of the picture.</summary>
    public static IReadOnlyList<Surface> All { get; } = [Rosenbrock, Beale, Saddle];
}

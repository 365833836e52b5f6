namespace Functional.Nets.Examples.Optimizers;

/// <summary>The points one optimizer visits on one surface.</summary>
/// <param name="Points">The start and the point after every step (fewer if it left the plane).</param>
/// <param name="FinalValue">f at the last point.</param>
/// <param name="LeftAt">The step after which |x| or |y| passed <see cref="Escape"/> or f stopped being finite, if it did.</param>
internal sealed record Trajectory(IReadOnlyList<Point> Points, double FinalValue, int? LeftAt)
{
    /// <summary>Beyond this distance from the origin a path is far off every picture; the race stops there.</summary>
    public const double Escape = 1e3;

    /// <summary>
    /// Steps <paramref name="contender"/>'s optimizer from the surface's start: the parameters are a tree of two
    /// scalar leaves <c>x</c> and <c>y</c>, the loss is f(x, y), and each step is
    /// (g, s) → <see cref="Optimizer.Step"/>(g, s, θ), exactly as for a network's weights. The recorded point is
    /// the parameters, except for the lecture's Nesterov, whose recorded point is its weights W (see
    /// <see cref="LectureNesterov.LectureWeights"/>).
    /// </summary>
    public static Trajectory Run(Surface surface, Contender contender, Backend backend)
    {
        var optimizer = contender.Create(surface.Rates);
        var parameters = TensorTree.Of(
            ("x", backend.FromArray([surface.Start.X], Shape.Scalar)),
            ("y", backend.FromArray([surface.Start.Y], Shape.Scalar)));
        var state = optimizer.Init(parameters);
        var points = new List<Point>(surface.Steps + 1) { surface.Start };
        Tensor Loss(TensorTree p) => surface.F(p["x"], p["y"]);

        for (var step = 1; step <= surface.Steps; step++)
        {
            var (_, gradients) = Grad.ValueAndGrad(Loss, parameters);
            (parameters, state) = optimizer.Step(gradients, state, parameters);

            // The lecture's Nesterov runs on the look-ahead point Ŵ = W − γv, as PyTorch's does; its own weights are
            // W = Ŵ + γv, and those are what the lecture draws.
            var weights = optimizer is LectureNesterov nesterov ? nesterov.LectureWeights(parameters, state) : parameters;
            var point = new Point(weights["x"].Item(), weights["y"].Item());
            var value = Loss(weights).Item();
            if (!double.IsFinite(value) || Math.Abs(point.X) > Escape || Math.Abs(point.Y) > Escape)
            {
                return new Trajectory(points, Loss(TensorTreeAt(points[^1], backend)).Item(), step);
            }

            points.Add(point);
        }

        return new Trajectory(points, Loss(TensorTreeAt(points[^1], backend)).Item(), null);
    }

    private static TensorTree TensorTreeAt(Point p, Backend backend) =>
        TensorTree.Of(("x", backend.FromArray([p.X], Shape.Scalar)), ("y", backend.FromArray([p.Y], Shape.Scalar)));
}

namespace Functional.Nets;

/// <summary>
/// The pooling layers' shape check: the primitive's own shape rule (<see cref="Tensor.PoolShape"/>,
/// <see cref="Tensor.AdaptiveShape"/>), its message kept, raised as a <see cref="LayerShapeException"/> naming the layer,
/// so that a container reports the pool's position (<c>MaxPool2d(...) at [1.3]: expected input [N, C, H, W] whose
/// window fits (max_pool2d: the kernel (2) is larger than ...), got [2, 8, 1, 1]</c>) as it does for a convolution.
/// </summary>
internal static class PoolingShapes
{
    /// <summary>The output shape <paramref name="rule"/> gives, or the layer's error.</summary>
    public static Shape Checked(Layer layer, Shape input, string layout, Func<Shape> rule)
    {
        try
        {
            return rule();
        }
        catch (ShapeMismatchException e) when (e is not LayerShapeException)
        {
            throw new LayerShapeException(layer.Describe(), "", $"{layout} whose window fits ({e.Message})", input, e);
        }
    }
}

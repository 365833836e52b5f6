namespace Functional.Nets;

/// <summary>
/// The pooling layers' shape check: the primitive's own shape rule (<see cref="Tensor.PoolShape"/>,
/// <see cref="Tensor.AdaptiveShape"/>), its message kept, raised as a <see cref="LayerShapeException"/> naming the layer,
/// so that a container reports the pool's position (<c>MaxPool2d(...) at [1.3]: expected input [N, C, H, W] whose
/// window fits (max_pool2d: the kernel (2) is larger than ...), got [2, 8, 1, 1]</c>) as it does for a convolution.
/// </summary>
internal static class PoolingShapes
{
    /// <summary>
    /// The window <paramref name="make"/> builds, its range errors renamed from "pooling" to <paramref name="layer"/> (the layer
    /// the user called), keeping the parameter name and the offending value.
    /// </summary>
    internal static PoolWindow Window(string layer, Func<PoolWindow> make)
    {
        try
        {
            return make();
        }
        catch (ArgumentOutOfRangeException e)
        {
            // e.Message appends " (Parameter '…')" and the actual value to the text PoolWindow gave; keep only that text.
            var text = e.Message.Split(" (Parameter", 2)[0];
            text = text.StartsWith("pooling: ", StringComparison.Ordinal) ? text["pooling: ".Length..] : text;
            throw new ArgumentOutOfRangeException(e.ParamName, e.ActualValue, $"{layer}: {text}");
        }
    }

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

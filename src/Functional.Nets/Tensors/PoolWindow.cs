using System.Globalization;

namespace Functional.Nets;

/// <summary>
/// A pooling window over the two spatial axes (H, W) of an [N, C, H, W] tensor: kernel k, stride s, padding p on both
/// sides and dilation d per axis, with PyTorch's ceil mode. Along an axis of length L the output length is
/// <c>out = ⌊(L + 2p − d(k − 1) − 1 + (ceil ? s − 1 : 0)) / s⌋ + 1</c>, less one in ceil mode when the last window
/// would start in the right padding (<c>(out − 1)·s ≥ L + p</c>); output entry o reads positions o·s − p + i·d, i &lt; k.
/// A 1-d window (<see cref="Line"/>) is kernel 1, stride 1, no padding along H.
/// </summary>
/// <param name="KernelH">k_H ≥ 1.</param>
/// <param name="KernelW">k_W ≥ 1.</param>
/// <param name="StrideH">s_H ≥ 1.</param>
/// <param name="StrideW">s_W ≥ 1.</param>
/// <param name="PaddingH">0 ≤ p_H ≤ k_H/2 (PyTorch refuses more).</param>
/// <param name="PaddingW">0 ≤ p_W ≤ k_W/2.</param>
/// <param name="DilationH">d_H ≥ 1 (max pooling only).</param>
/// <param name="DilationW">d_W ≥ 1 (max pooling only).</param>
/// <param name="CeilMode">Round the output length up rather than down (PyTorch's <c>ceil_mode</c>).</param>
public sealed record PoolWindow(int KernelH, int KernelW, int StrideH, int StrideW, int PaddingH, int PaddingW, int DilationH, int DilationW, bool CeilMode)
{
    /// <summary>A square 2-d window; the stride defaults to the kernel, as in PyTorch.</summary>
    public static PoolWindow Square(int kernel, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false) =>
        Of((kernel, kernel), stride is { } s ? (s, s) : null, (padding, padding), (dilation, dilation), ceilMode);

    /// <summary>A 2-d window with a size per axis (H, W); the stride defaults to the kernel, as in PyTorch.</summary>
    public static PoolWindow Of((int H, int W) kernel, (int H, int W)? stride = null, (int H, int W) padding = default, (int H, int W)? dilation = null, bool ceilMode = false)
    {
        var s = stride ?? kernel;
        var d = dilation ?? (1, 1);
        return new PoolWindow(kernel.H, kernel.W, s.H, s.W, padding.H, padding.W, d.H, d.W, ceilMode).Checked();
    }

    /// <summary>A 1-d window along the last axis (the W axis of the 2-d view [N, C, 1, L]); the stride defaults to the kernel.</summary>
    public static PoolWindow Line(int kernel, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false) =>
        new PoolWindow(1, kernel, 1, stride ?? kernel, 0, padding, 1, dilation, ceilMode).Checked();

    /// <summary>The output length along an axis of length <paramref name="length"/> (the formula above; may be ≤ 0).</summary>
    public static int OutputLength(int length, int kernel, int stride, int padding, int dilation, bool ceilMode)
    {
        var span = length + 2 * padding - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0);
        var output = (int)Math.Floor(span / (double)stride) + 1;
        if (ceilMode && (output - 1) * stride >= length + padding)
        {
            output--;
        }

        return output;
    }

    /// <summary>The output height for input height <paramref name="h"/>.</summary>
    public int OutputH(int h) => OutputLength(h, KernelH, StrideH, PaddingH, DilationH, CeilMode);

    /// <summary>The output width for input width <paramref name="w"/>.</summary>
    public int OutputW(int w) => OutputLength(w, KernelW, StrideW, PaddingW, DilationW, CeilMode);

    /// <summary>Kernel, stride, padding and dilation in PyTorch's notation, e.g. <c>kernel=(2, 2), stride=(2, 2)</c>.</summary>
    public string Describe(bool oneD = false) => oneD
        ? string.Create(CultureInfo.InvariantCulture, $"kernel={KernelW}, stride={StrideW}, padding={PaddingW}, dilation={DilationW}{(CeilMode ? ", ceil_mode" : "")}")
        : string.Create(CultureInfo.InvariantCulture, $"kernel=({KernelH}, {KernelW}), stride=({StrideH}, {StrideW}), padding=({PaddingH}, {PaddingW}), dilation=({DilationH}, {DilationW}){(CeilMode ? ", ceil_mode" : "")}");

    /// <summary>This window after the checks PyTorch makes on the window alone (sizes positive, padding at most half the kernel).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A kernel, stride or dilation below 1, or a padding outside [0, k/2].</exception>
    public PoolWindow Checked()
    {
        Positive(KernelH, "kernel");
        Positive(KernelW, "kernel");
        Positive(StrideH, "stride");
        Positive(StrideW, "stride");
        Positive(DilationH, "dilation");
        Positive(DilationW, "dilation");
        if (PaddingH < 0 || PaddingW < 0 || PaddingH > KernelH / 2 || PaddingW > KernelW / 2)
        {
            throw new ArgumentOutOfRangeException(
                "padding", $"({PaddingH}, {PaddingW})",
                $"pooling: the padding must lie in [0, kernel/2] per axis (PyTorch refuses more), expected at most ({KernelH / 2}, {KernelW / 2}) for kernel ({KernelH}, {KernelW}), got ({PaddingH}, {PaddingW})");
        }

        return this;
    }

    private static void Positive(int value, string what)
    {
        if (value < 1)
        {
            throw new ArgumentOutOfRangeException(what, value, $"pooling: the {what} must be at least 1, got {value}");
        }
    }
}

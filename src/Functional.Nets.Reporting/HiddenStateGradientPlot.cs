using ScottPlot;

namespace Functional.Nets.Reporting;

/// <summary>
/// The picture of backpropagation through time: ‖∂L/∂hₖ‖ against the step k, one line per network, on a log₁₀
/// axis (where a gradient vanishing geometrically with the distance from the loss shows as a straight falling
/// line). The norms come from <see cref="Diagnostics.HiddenStateGradients.Norms"/>.
/// </summary>
public static class HiddenStateGradientPlot
{
    /// <summary>Writes the lines to <paramref name="path"/> (PNG); its directory is created if missing.</summary>
    /// <param name="path">The PNG file to create or replace.</param>
    /// <param name="series">A name (e.g. "RNN") and the norms for k = 0 … T − 1, per line.</param>
    /// <param name="title">The plot's heading.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <exception cref="ArgumentException">No series, or one with no norms.</exception>
    public static void WritePng(string path, IReadOnlyList<(string Name, double[] Norms)> series, string title = "‖∂L/∂hₖ‖ by step", int width = 1000, int height = 600)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count == 0 || series.Any(s => s.Norms is null || s.Norms.Length == 0))
        {
            throw new ArgumentException("HiddenStateGradientPlot.WritePng: every series needs at least one norm", nameof(series));
        }

        // log₁₀ of the norms; exact zeros (underflow) are left out of their line, legend below the falling lines.
        Curves.WriteSeriesPng(path, series, title, "step k", "‖∂L/∂hₖ‖ (log scale)", logY: true, width, height, Alignment.LowerRight);
    }
}

using System.Globalization;

namespace Functional.Nets;

/// <summary>Which fan a variance-scaling initializer preserves.</summary>
public enum FanMode
{
    /// <summary>Preserve the forward signal's variance: scale by fan-in.</summary>
    FanIn,

    /// <summary>Preserve the backward gradient's variance: scale by fan-out.</summary>
    FanOut,
}

/// <summary>
/// Draws initial parameter values from a <see cref="Key"/>. The numbers are generated in the core, in
/// double precision, and only then handed to a backend, so every backend starts from the same values
/// (rounded once to float32 where that is the dtype).
/// </summary>
public abstract class Initializer
{
    /// <summary>PyTorch's <c>nn.Linear</c> default: U(−1/√fan_in, 1/√fan_in) for weights and biases.</summary>
    public static Initializer TorchDefault { get; } = new ScaledUniform("TorchDefault", "TorchDefault", [], (fanIn, _) => 1 / Math.Sqrt(fanIn));

    /// <summary>All zeros.</summary>
    public static Initializer Zeros { get; } = new ConstantInit(0);

    /// <summary>Glorot and Bengio (2010): U(−a, a), a = gain·√(6 / (fan_in + fan_out)).</summary>
    public static Initializer GlorotUniform(double gain = 1) =>
        new ScaledUniform($"GlorotUniform(gain={gain:G})", "GlorotUniform", [Arg("gain", gain)], (i, o) => gain * Math.Sqrt(6.0 / (i + o)));

    /// <summary>Glorot and Bengio (2010): N(0, σ²), σ = gain·√(2 / (fan_in + fan_out)).</summary>
    public static Initializer GlorotNormal(double gain = 1) =>
        new ScaledNormal($"GlorotNormal(gain={gain:G})", "GlorotNormal", [Arg("gain", gain)], (i, o) => gain * Math.Sqrt(2.0 / (i + o)));

    /// <summary>He et al. (2015): N(0, σ²), σ = gain/√fan with gain √2 for ReLU.</summary>
    public static Initializer HeNormal(FanMode mode = FanMode.FanIn, double gain = 1.4142135623730951) =>
        new ScaledNormal($"HeNormal({mode}, gain={gain:G})", "HeNormal", [Arg("mode", mode.ToString()), Arg("gain", gain)], (i, o) => gain / Math.Sqrt(mode == FanMode.FanIn ? i : o));

    /// <summary>He et al. (2015): U(−a, a), a = gain·√(3/fan) with gain √2 for ReLU (so a = √(6/fan)).</summary>
    public static Initializer HeUniform(FanMode mode = FanMode.FanIn, double gain = 1.4142135623730951) =>
        new ScaledUniform($"HeUniform({mode}, gain={gain:G})", "HeUniform", [Arg("mode", mode.ToString()), Arg("gain", gain)], (i, o) => gain * Math.Sqrt(3.0 / (mode == FanMode.FanIn ? i : o)));

    /// <summary>N(μ, σ²).</summary>
    public static Initializer Normal(double mean = 0, double std = 1)
    {
        if (!(std >= 0) || !double.IsFinite(mean) || !double.IsFinite(std))
        {
            throw new ArgumentOutOfRangeException(nameof(std), $"Normal initializer: needs finite μ and σ ≥ 0, got μ={mean}, σ={std}");
        }

        return new ShiftedNormal(mean, std);
    }

    /// <summary>U(a, b).</summary>
    public static Initializer Uniform(double low = 0, double high = 1)
    {
        if (!(low <= high) || !double.IsFinite(low) || !double.IsFinite(high))
        {
            throw new ArgumentOutOfRangeException(nameof(high), $"Uniform initializer: needs finite a ≤ b, got a={low}, b={high}");
        }

        return new RangeUniform(low, high);
    }

    /// <summary>Every entry equal to <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is NaN or infinite.</exception>
    public static Initializer Constant(double value) => double.IsFinite(value)
        ? new ConstantInit(value)
        : throw new ArgumentOutOfRangeException(nameof(value), value, $"Constant initializer: needs a finite value, got {value}");

    /// <summary>
    /// The name of the factory that made this initializer (<c>HeNormal</c>, <c>Normal</c>, ...); architecture JSON
    /// writes it as the initializer's <c>"type"</c>. A user-defined subclass names itself here and registers a reader with
    /// <c>Serialization.ArchitectureRegistry</c>.
    /// </summary>
    public virtual string Kind => GetType().Name;

    /// <summary>The factory's arguments by parameter name (numbers as <see cref="double"/>, enums by name): enough to call it again.</summary>
    public virtual IReadOnlyList<KeyValuePair<string, object>> Arguments => [];

    /// <summary>The values for a tensor of <paramref name="shape"/>, row-major.</summary>
    public abstract double[] Sample(Key key, Shape shape, int fanIn, int fanOut);

    /// <summary>A tensor on <paramref name="backend"/> with values from <see cref="Sample"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The shape has more entries than one .NET array holds (<see cref="Array.MaxLength"/>).</exception>
    /// <exception cref="NonFiniteException">The initializer gave a NaN or infinite value (a user-written one, or arguments such as std = 1e308 that overflow).</exception>
    public Tensor Create(Key key, Shape shape, int fanIn, int fanOut, Backend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (shape.Size > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(
                nameof(shape),
                string.Create(CultureInfo.InvariantCulture, $"{this} cannot fill a tensor of shape {shape}: its {shape.Size:N0} entries are more than one .NET array holds ({Array.MaxLength:N0})"));
        }

        var values = Sample(key, shape, fanIn, fanOut);
        for (var i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw new NonFiniteException(string.Create(
                    CultureInfo.InvariantCulture, $"{this} gave {values[i]} at entry {i} of a tensor of shape {shape} (fan-in {fanIn}, fan-out {fanOut}): initial parameters must be finite"));
            }
        }

        return backend.FromArray(values, shape);
    }

    private static KeyValuePair<string, object> Arg(string name, object value) => new(name, value);

    private sealed class ScaledUniform(string name, string kind, KeyValuePair<string, object>[] arguments, Func<int, int, double> bound) : Initializer
    {
        public override string Kind => kind;

        public override IReadOnlyList<KeyValuePair<string, object>> Arguments => arguments;

        public override double[] Sample(Key key, Shape shape, int fanIn, int fanOut)
        {
            var a = bound(fanIn, fanOut);
            return key.Uniform(checked((int)shape.Size), -a, a);
        }

        public override string ToString() => name;
    }

    private sealed class ScaledNormal(string name, string kind, KeyValuePair<string, object>[] arguments, Func<int, int, double> std) : Initializer
    {
        public override string Kind => kind;

        public override IReadOnlyList<KeyValuePair<string, object>> Arguments => arguments;

        public override double[] Sample(Key key, Shape shape, int fanIn, int fanOut)
        {
            var s = std(fanIn, fanOut);
            var z = key.Normal(checked((int)shape.Size));
            for (var i = 0; i < z.Length; i++)
            {
                z[i] *= s;
            }

            return z;
        }

        public override string ToString() => name;
    }

    private sealed class ShiftedNormal(double mean, double std) : Initializer
    {
        public override string Kind => "Normal";

        public override IReadOnlyList<KeyValuePair<string, object>> Arguments => [Arg("mean", mean), Arg("std", std)];

        public override double[] Sample(Key key, Shape shape, int fanIn, int fanOut)
        {
            var z = key.Normal(checked((int)shape.Size));
            for (var i = 0; i < z.Length; i++)
            {
                z[i] = mean + std * z[i];
            }

            return z;
        }

        public override string ToString() => $"Normal({mean:G}, {std:G})";
    }

    private sealed class RangeUniform(double low, double high) : Initializer
    {
        public override string Kind => "Uniform";

        public override IReadOnlyList<KeyValuePair<string, object>> Arguments => [Arg("low", low), Arg("high", high)];

        public override double[] Sample(Key key, Shape shape, int fanIn, int fanOut) =>
            key.Uniform(checked((int)shape.Size), low, high);

        public override string ToString() => $"Uniform({low:G}, {high:G})";
    }

    private sealed class ConstantInit(double value) : Initializer
    {
        public override string Kind => value == 0 ? "Zeros" : "Constant";

        public override IReadOnlyList<KeyValuePair<string, object>> Arguments => value == 0 ? [] : [Arg("value", value)];

        public override double[] Sample(Key key, Shape shape, int fanIn, int fanOut)
        {
            var v = new double[checked((int)shape.Size)];
            Array.Fill(v, value);
            return v;
        }

        public override string ToString() => value == 0 ? "Zeros" : $"Constant({value:G})";
    }
}

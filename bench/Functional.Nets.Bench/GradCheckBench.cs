using System.Diagnostics;
using Functional.Nets.Reference;
using Functional.Nets.Torch;

namespace Functional.Nets.Bench;

/// <summary>
/// (d) A gradient check in fast mode (<see cref="GradCheckOptions.AsFast"/>: random directional derivatives) of an
/// MLP 784-128-10 with tanh (101,770 parameters) on 32 MNIST digits, on each backend: Reference float64, Torch
/// float64 and Torch float32, each against central differences on itself.
/// </summary>
public static class GradCheckBench
{
    /// <summary>The model checked.</summary>
    public static Sequential Model() => new(new Dense(784, 128), new Tanh(), new Dense(128, 10));

    /// <summary>Seconds per check by backend, and whether each passed.</summary>
    public static (Dictionary<string, Spread> Seconds, Dictionary<string, bool> Passed, long Parameters) Run(Dataset data, BenchSettings settings)
    {
        var model = Model();
        var sample = data.Slice(0, 32);
        var inputs = sample.Inputs.ToArray();
        var targets = sample.Targets.ToArray();
        var seconds = new Dictionary<string, Spread>();
        var passed = new Dictionary<string, bool>();
        Backend[] backends = [ReferenceBackend.Instance, TorchBackend.CpuFloat64, TorchBackend.CpuFloat32];
        foreach (var backend in backends)
        {
            var parameters = model.Init(Key.FromSeed(21), backend);
            using var x = backend.FromArray(inputs, 32, 784);
            using var t = backend.FromArray(targets, 32, 10);
            var options = GradCheckOptions.For(backend.DType).AsFast();
            var times = new double[settings.GradCheckRepeats];
            var ok = true;
            for (var r = 0; r < times.Length; r++)
            {
                var clock = Stopwatch.StartNew();
                var report = Functional.Nets.GradCheck.Check(p => Losses.SoftmaxCrossEntropy(model.Apply(p, x), t), parameters, options);
                times[r] = clock.Elapsed.TotalSeconds;
                ok &= report.Passed;
            }

            seconds[backend.ToString()] = Spread.Of(times);
            passed[backend.ToString()] = ok;
            parameters.Dispose();
        }

        return (seconds, passed, model.ParameterCount);
    }
}

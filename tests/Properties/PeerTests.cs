using Functional.Nets.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Functional.Nets.Tests;

/// <summary>
/// Law 6 of DESIGN.md (peers): each layer, activation and loss, with the same values, matches
/// TorchSharp's own imperative module or functional in float64 (<c>nn.Linear</c>,
/// <c>torch.nn.functional.*</c>). Runs on every float64 combination: on the Reference backend it
/// compares independent code; on the Torch backend it checks that our composition of primitives
/// computes what PyTorch's fused kernels compute. 100 generated cases per theory case.
/// </summary>
public sealed class PeerTests
{
    /// <summary>Per-tensor relative tolerance against the peer (float64, a few ulps per operation).</summary>
    public const double Tolerance = 1e-12;

    /// <summary>(e) Dense with given weights equals <c>nn.Linear</c> with the same weight and bias, with and without bias.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.Float64), MemberType = typeof(BackendCombinations))]
    public void Dense_matches_nn_Linear(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        Law.Check(PeerCase.Arbitrary, c =>
        {
            foreach (var bias in new[] { true, false })
            {
                var dense = new Dense(c.Inputs, c.Outputs, bias);
                var p = dense.Init(Key.FromSeed(c.Seed), backend);
                var x = c.Normal(1, c.Batch * c.Inputs);
                var ours = dense.Apply(p, backend.FromArray(x, new Shape(c.Batch, c.Inputs))).ToArray();

                EnsureTorch();
                using var scope = NewDisposeScope();
                var weight = new Parameter(tensor(p["weight"].ToArray(), new long[] { c.Outputs, c.Inputs }, float64));
                var b = bias ? new Parameter(tensor(p["bias"].ToArray(), new long[] { c.Outputs }, float64)) : null;
                using var linear = nn.Linear(weight, b);
                var peer = linear.forward(tensor(x, new long[] { c.Batch, c.Inputs }, float64)).data<double>().ToArray();
                Expect($"{dense.Describe()} vs nn.Linear on {combination}", ours, peer, c);
            }
        });
    }

    /// <summary>(e) Each activation equals its <c>torch.nn.functional</c> peer on inputs N(0, 3²).</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.Float64), MemberType = typeof(BackendCombinations))]
    public void Activations_match_torch_functional(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        EnsureTorch();
        Law.Check(PeerCase.Arbitrary, c =>
        {
            var x = c.Normal(2, c.Batch * c.Inputs, scale: 3);
            var shape = new Shape(c.Batch, c.Inputs);
            var leaky = c.Alpha / 2;

            // F.leaky_relu and F.elu turn α into a temporary Scalar that nothing keeps alive during the native call
            // (see TorchScalarLifetimeTests); the peers call the same kernels, Tensor.leaky_relu and Tensor.elu,
            // with Scalars held by `using` until the comparison is done.
            using Scalar slope = leaky;
            using Scalar alpha = c.Alpha;
            using Scalar one = 1.0;
            var peers = new (Layer Layer, Func<TorchTensor, TorchTensor> Peer)[]
            {
                (new Sigmoid(), t => F.sigmoid(t)),
                (new Tanh(), t => F.tanh(t)),
                (new ReLU(), t => F.relu(t)),
                (new LeakyReLU(leaky), t => t.leaky_relu(slope)),
                (new ELU(c.Alpha), t => t.elu(alpha, one, one)),
                (new Softmax(), t => F.softmax(t, -1)),
                (new LogSoftmax(), t => F.log_softmax(t, -1)),
            };

            foreach (var (layer, peer) in peers)
            {
                var ours = layer.Apply(TensorTree.Empty, backend.FromArray(x, shape)).ToArray();
                using var scope = NewDisposeScope();
                var theirs = peer(tensor(x, new long[] { c.Batch, c.Inputs }, float64)).data<double>().ToArray();
                Expect($"{layer.Describe()} vs torch.nn.functional on {combination}", ours, theirs, c);
            }
        });
    }

    /// <summary>
    /// (e) Each loss equals its <c>torch.nn.functional</c> peer (mean reduction): mse_loss,
    /// binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy with class indices and
    /// with probability targets; HalfSquaredError equals ½·Σ(ŷ − y)²/N computed here in plain C#.
    /// </summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.Float64), MemberType = typeof(BackendCombinations))]
    public void Losses_match_torch_functional(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        Law.Check(PeerCase.Arbitrary, c =>
        {
            int n = c.Batch, k = c.Inputs;
            var shape = new Shape(n, k);
            long[] dims = [n, k];
            var prediction = c.Normal(3, n * k, scale: 2);
            var target = c.Normal(4, n * k);
            var probability = c.Uniform(5, n * k, 0.02, 0.98);
            var soft = c.Uniform(6, n * k, 0, 1);
            var classes = c.Uniform(7, n, 0, 1).Select(u => Math.Min(k - 1, (int)(u * k))).ToArray();
            var rows = SoftmaxRows(c.Normal(8, n * k, scale: 2), n, k);
            Tensor On(double[] v) => backend.FromArray(v, shape);

            EnsureTorch();
            using var scope = NewDisposeScope();
            TorchTensor T(double[] v) => tensor(v, dims, float64);
            var checks = new (string Name, Functional.Nets.Tensor Ours, double Peer)[]
            {
                ("MeanSquaredError vs mse_loss", Losses.MeanSquaredError(On(prediction), On(target)), F.mse_loss(T(prediction), T(target)).item<double>()),
                ("BinaryCrossEntropy vs binary_cross_entropy", Losses.BinaryCrossEntropy(On(probability), On(soft)), F.binary_cross_entropy(T(probability), T(soft)).item<double>()),
                ("BinaryCrossEntropyWithLogits vs binary_cross_entropy_with_logits", Losses.BinaryCrossEntropyWithLogits(On(prediction), On(soft)), F.binary_cross_entropy_with_logits(T(prediction), T(soft)).item<double>()),
                ("SoftmaxCrossEntropy(indices) vs cross_entropy", Losses.SoftmaxCrossEntropy(On(prediction), classes), F.cross_entropy(T(prediction), tensor(classes.Select(i => (long)i).ToArray(), new long[] { n }, int64)).item<double>()),
                ("SoftmaxCrossEntropy(probabilities) vs cross_entropy", Losses.SoftmaxCrossEntropy(On(prediction), On(rows)), F.cross_entropy(T(prediction), T(rows)).item<double>()),
                ("HalfSquaredError vs 0.5·sum/N", Losses.HalfSquaredError(On(prediction), On(target)), HalfSquaredError(prediction, target, n)),
            };

            foreach (var (name, ours, peer) in checks)
            {
                Expect($"{name} on {combination}", [ours.Item()], [peer], c);
            }
        });
    }

    /// <summary>Forces libtorch to load through the Torch backend (its loader patches and explains) before raw TorchSharp calls.</summary>
    internal static void EnsureTorch() => _ = TorchBackend.CpuFloat64;

    private static double HalfSquaredError(double[] prediction, double[] target, int batch)
    {
        double sum = 0;
        for (var i = 0; i < prediction.Length; i++)
        {
            sum += (prediction[i] - target[i]) * (prediction[i] - target[i]);
        }

        return 0.5 * sum / batch;
    }

    private static double[] SoftmaxRows(double[] z, int rows, int cols)
    {
        var t = new double[z.Length];
        for (var r = 0; r < rows; r++)
        {
            var m = z.Skip(r * cols).Take(cols).Max();
            double s = 0;
            for (var j = 0; j < cols; j++)
            {
                t[r * cols + j] = Math.Exp(z[r * cols + j] - m);
                s += t[r * cols + j];
            }

            for (var j = 0; j < cols; j++)
            {
                t[r * cols + j] /= s;
            }
        }

        return t;
    }

    private static void Expect(string what, double[] ours, double[] peer, PeerCase c)
    {
        var e = RelativeError.Of(ours, peer);
        if (!(e.Value <= Tolerance))
        {
            throw new LawViolation($"{what}: {e} exceeds {Tolerance:G} (a = ours, b = peer) for {c}");
        }
    }
}

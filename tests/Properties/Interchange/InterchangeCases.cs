using Functional.Nets.Reference;

namespace Functional.Nets.Tests.Interchange;

/// <summary>One generated model for the PyTorch interchange tests: its family, seed, layer and input shape.</summary>
/// <param name="Family"><c>dense</c>, <c>conv</c> or <c>recurrent</c>.</param>
/// <param name="Seed">Seeds the architecture, our weights and input, and PyTorch's weights.</param>
/// <param name="Model">The model (a <see cref="Sequential"/>).</param>
/// <param name="Input">The input's shape.</param>
public sealed record InterchangeCase(string Family, int Seed, Layer Model, Shape Input)
{
    /// <summary>The case's file-name stem and key in the results.</summary>
    public string Name => $"{Family}-{Seed}";

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {Model.Describe()} on {Input}";
}

/// <summary>
/// The generated architectures. Each case is built from its seed alone, so a failing case's name reproduces it. Only
/// layers with a PyTorch module of the same state_dict are drawn (<c>peer.py</c>'s <c>build</c>): no asymmetric padding
/// (PyTorch needs a separate <c>nn.ZeroPad2d</c>), no classic dropout (PyTorch's is inverted), no lecture GRU.
/// </summary>
public static class InterchangeCases
{
    /// <summary>The families and how many cases each has.</summary>
    public static IReadOnlyList<(string Family, int Count)> Families { get; } = [("dense", 20), ("conv", 20), ("recurrent", 20)];

    /// <summary>Every case, in a fixed order.</summary>
    public static IReadOnlyList<InterchangeCase> All() =>
        Families.SelectMany(f => Enumerable.Range(0, f.Count).Select(i => Build(f.Family, 1000 * (Families.ToList().IndexOf(f) + 1) + i))).ToList();

    /// <summary>The case of <paramref name="family"/> and <paramref name="seed"/>.</summary>
    public static InterchangeCase Build(string family, int seed)
    {
        var rng = new Random(seed);
        return family switch
        {
            "dense" => Dense(rng, seed),
            "conv" => Convolutional(rng, seed),
            "recurrent" => Recurrent(rng, seed),
            _ => throw new ArgumentOutOfRangeException(nameof(family), family, "dense, conv or recurrent"),
        };
    }

    /// <summary>1–3 blocks of Dense → optional BatchNorm1d → activation → optional Dropout; sometimes a (log-)softmax.</summary>
    private static InterchangeCase Dense(Random rng, int seed)
    {
        var features = 1 + rng.Next(6);
        var input = new Shape(2 + rng.Next(4), features);
        var layers = new List<Layer>();
        for (int blocks = 1 + rng.Next(3), i = 0; i < blocks; i++)
        {
            var outputs = 1 + rng.Next(6);
            layers.Add(new Dense(features, outputs, bias: rng.Next(4) > 0));
            if (rng.Next(2) == 0)
            {
                layers.Add(RandomBatchNorm(rng, outputs));
            }

            layers.Add(Activation(rng));
            if (rng.Next(3) == 0)
            {
                layers.Add(new Dropout(0.1 + 0.8 * rng.NextDouble()));
            }

            features = outputs;
        }

        switch (rng.Next(4))
        {
            case 0:
                layers.Add(new Softmax());
                break;
            case 1:
                layers.Add(new LogSoftmax());
                break;
        }

        return new InterchangeCase("dense", seed, new Sequential([.. layers]), input);
    }

    /// <summary>
    /// 1–2 stages of Conv2d (kernel 1–3 per axis, stride and dilation 1–2, no / half / full / symmetric explicit padding,
    /// groups) → optional BatchNorm2d → activation → optional max or average pooling (padding, dilation, ceil mode,
    /// count_include_pad) or Dropout2d; then no head, a global-pool head or a flatten head with a dense layer.
    /// </summary>
    private static InterchangeCase Convolutional(Random rng, int seed)
    {
        var input = new Shape(1 + rng.Next(3), 1 + rng.Next(3), 5 + rng.Next(5), 5 + rng.Next(5));
        var layers = new List<Layer>();
        var shape = input;
        for (int stages = 1 + rng.Next(2), i = 0; i < stages; i++)
        {
            for (var attempt = 0; attempt < 20; attempt++)
            {
                var stage = ConvolutionStage(rng, shape[1]);
                if (OutputShape(stage, shape) is { } next)
                {
                    layers.Add(stage);
                    shape = next;
                    break;
                }
            }
        }

        switch (rng.Next(3))
        {
            case 1:
                layers.Add(new AdaptiveAvgPool2d(1 + rng.Next(Math.Min(2, shape[2])), 1 + rng.Next(Math.Min(2, shape[3]))));
                layers.Add(new Flatten());
                var pooled = OutputShape(new Sequential(layers[^2], layers[^1]), shape)!.Value;
                layers.Add(new Dense(pooled[1], 1 + rng.Next(3)));
                break;
            case 2:
                layers.Add(new Flatten());
                layers.Add(new Dense(checked(shape[1] * shape[2] * shape[3]), 1 + rng.Next(3)));
                break;
        }

        return new InterchangeCase("conv", seed, new Sequential([.. layers]), input);
    }

    private static Sequential ConvolutionStage(Random rng, int channels)
    {
        var divisors = new[] { 1, 2, 3 }.Where(g => channels % g == 0).ToArray();
        var groups = divisors[rng.Next(divisors.Length)];
        var outputs = groups * (1 + rng.Next(3));
        var kernel = (1 + rng.Next(3), 1 + rng.Next(3));
        var dilation = (1 + rng.Next(2), 1 + rng.Next(2));
        var stride = (1 + rng.Next(2), 1 + rng.Next(2));
        var odd = kernel.Item1 % 2 == 1 && kernel.Item2 % 2 == 1;
        var (ph, pw) = (rng.Next(3), rng.Next(3));
        var padding = rng.Next(4) switch
        {
            0 => Padding.None,
            1 when odd => Padding.Half,
            2 => Padding.Full,
            _ => Padding.Explicit((ph, ph), (pw, pw)),
        };
        var layers = new List<Layer> { new Conv2d(channels, outputs, kernel, stride, padding, dilation, groups, bias: rng.Next(4) > 0) };
        if (rng.Next(2) == 0)
        {
            layers.Add(RandomBatchNorm(rng, outputs));
        }

        layers.Add(Activation(rng));
        var k = 1 + rng.Next(3);
        switch (rng.Next(4))
        {
            case 0:
                layers.Add(new MaxPool2d(k, 1 + rng.Next(2), padding: rng.Next(k / 2 + 1), dilation: 1 + rng.Next(2), ceilMode: rng.Next(2) == 0));
                break;
            case 1:
                layers.Add(new AvgPool2d(k, 1 + rng.Next(2), padding: rng.Next(k / 2 + 1), ceilMode: rng.Next(2) == 0, countIncludePad: rng.Next(2) == 0));
                break;
            case 2:
                layers.Add(new Dropout2d(0.5));
                break;
        }

        return new Sequential([.. layers]);
    }

    /// <summary>nn.RNN (tanh, ReLU), nn.LSTM or nn.GRU (1–2 layers, either direction set, either layout, inter-layer dropout, with or without bias), then sometimes a dense layer on every step.</summary>
    private static InterchangeCase Recurrent(Random rng, int seed)
    {
        var inputs = 1 + rng.Next(4);
        var hidden = 1 + rng.Next(4);
        var layers = 1 + rng.Next(2);
        var bidirectional = rng.Next(2) == 0;
        var batchFirst = rng.Next(2) == 0;
        var dropout = layers > 1 && rng.Next(2) == 0 ? 0.3 : 0;
        var bias = rng.Next(4) > 0;
        RecurrentLayer recurrent = rng.Next(4) switch
        {
            0 => new Rnn(inputs, hidden, layers, bidirectional, batchFirst, dropout, bias),
            1 => new Rnn(inputs, hidden, layers, bidirectional, batchFirst, dropout, bias, RnnNonlinearity.ReLU),
            2 => new Lstm(inputs, hidden, layers, bidirectional, batchFirst, dropout, bias),
            _ => new Gru(inputs, hidden, layers, bidirectional, batchFirst, dropout, bias),
        };
        var (batch, steps) = (1 + rng.Next(3), 1 + rng.Next(5));
        var input = batchFirst ? new Shape(batch, steps, inputs) : new Shape(steps, batch, inputs);
        Layer[] body = rng.Next(2) == 0
            ? [recurrent]
            : [recurrent, new Dense(recurrent.Directions * hidden, 1 + rng.Next(3)), new Tanh()];
        return new InterchangeCase("recurrent", seed, new Sequential(body), input);
    }

    private static BatchNorm RandomBatchNorm(Random rng, int features) =>
        new(features, momentum: rng.Next(2) == 0 ? 0.1 : 0.3, epsilon: rng.Next(2) == 0 ? 1e-5 : 1e-3, affine: rng.Next(4) > 0);

    private static Layer Activation(Random rng) => rng.Next(6) switch
    {
        0 => new Sigmoid(),
        1 => new Tanh(),
        2 => new ReLU(),
        3 => new LeakyReLU(0.01 + 0.5 * rng.NextDouble()),
        4 => new ELU(0.5 + rng.NextDouble()),
        _ => new Identity(),
    };

    /// <summary>The output shape of <paramref name="layer"/> on <paramref name="input"/>, or null if the shapes do not fit (e.g. a window larger than the padded image).</summary>
    private static Shape? OutputShape(Layer layer, Shape input)
    {
        var backend = ReferenceBackend.Instance;
        try
        {
            var x = backend.FromArray(new double[checked((int)input.Size)], input);
            return layer.Apply(layer.Init(Key.FromSeed(0), backend), layer.InitState(backend), x, Context.Eval).Output.Shape;
        }
        catch (Exception e) when (e is LayerShapeException or ArgumentException)
        {
            return null;
        }
    }
}

namespace Functional.Nets;

/// <summary>
/// The shared part of <see cref="Conv1d"/> and <see cref="Conv2d"/>: PyTorch's <c>nn.Conv1d</c>/<c>nn.Conv2d</c> on
/// [N, C_in, *S] with parameters <c>weight</c> [C_out, C_in/groups, *K] and <c>bias</c> [C_out]. Along each spatial
/// axis the output has ⌊(n + p_before + p_after − d·(k − 1) − 1) / s⌋ + 1 entries
/// (<see cref="ConvolutionArithmetic.OutputSize"/>).
/// </summary>
public abstract class ConvolutionLayer : Layer
{
    private readonly (int Before, int After)[] pads;

    /// <summary>Checks and stores the configuration.</summary>
    /// <exception cref="ArgumentException">A count is not positive, channels do not divide by groups, or the padding does not fit the kernel.</exception>
    private protected ConvolutionLayer(string name, int inChannels, int outChannels, int[] kernel, int[] stride, Padding padding, int[] dilation, int groups, bool bias, Initializer? weightInit, Initializer? biasInit)
    {
        ArgumentNullException.ThrowIfNull(padding);
        Name = name;
        InChannels = inChannels;
        OutChannels = outChannels;
        Kernel = kernel;
        Stride = stride;
        Dilation = dilation;
        Padding = padding;
        Groups = groups;
        HasBias = bias;
        WeightInit = weightInit ?? Initializer.TorchDefault;
        BiasInit = biasInit ?? Initializer.TorchDefault;
        if (inChannels <= 0 || outChannels <= 0 || groups <= 0 || kernel.Any(k => k <= 0) || stride.Any(s => s <= 0) || dilation.Any(d => d <= 0))
        {
            // The parameter named is the first bad one, in the constructor's order.
            throw new ArgumentOutOfRangeException(
                inChannels <= 0 ? nameof(inChannels) : outChannels <= 0 ? nameof(outChannels) : kernel.Any(k => k <= 0) ? nameof(kernel)
                    : stride.Any(s => s <= 0) ? nameof(stride) : dilation.Any(d => d <= 0) ? nameof(dilation) : nameof(groups),
                $"{name}: channels, groups, kernel, stride and dilation must be positive, got {inChannels}→{outChannels}, groups {groups}, kernel [{string.Join(", ", kernel)}], stride [{string.Join(", ", stride)}], dilation [{string.Join(", ", dilation)}]");
        }

        if (inChannels % groups != 0 || outChannels % groups != 0)
        {
            throw new ArgumentException($"{name}: {inChannels} input and {outChannels} output channels must both divide into {groups} groups", nameof(groups));
        }

        pads = padding.Resolve(kernel, dilation, name);
    }

    /// <summary>Input channels C_in.</summary>
    public int InChannels { get; }

    /// <summary>Output channels C_out.</summary>
    public int OutChannels { get; }

    /// <summary>The kernel size per spatial axis.</summary>
    public IReadOnlyList<int> Kernel { get; }

    /// <summary>The stride per spatial axis.</summary>
    public IReadOnlyList<int> Stride { get; }

    /// <summary>The dilation per spatial axis.</summary>
    public IReadOnlyList<int> Dilation { get; }

    /// <summary>The padding as given.</summary>
    public Padding Padding { get; }

    /// <summary>The (before, after) zeros per spatial axis, resolved against kernel and dilation.</summary>
    public IReadOnlyList<(int Before, int After)> Pads => pads;

    /// <summary>Channel groups (C_in groups with C_out a multiple of C_in is a depthwise convolution).</summary>
    public int Groups { get; }

    /// <summary>Whether the layer adds a bias.</summary>
    public bool HasBias { get; }

    /// <summary>The weight initializer (default: PyTorch's kaiming_uniform(a = √5), i.e. U(±1/√fan_in)).</summary>
    public Initializer WeightInit { get; }

    /// <summary>The bias initializer (default: PyTorch's U(±1/√fan_in)).</summary>
    public Initializer BiasInit { get; }

    /// <summary>The weight's shape, [C_out, C_in/groups, *K].</summary>
    public Shape WeightShape => new([OutChannels, InChannels / Groups, .. Kernel]);

    /// <summary>fan_in = C_in/groups · ΠK, as PyTorch computes it for the default initialization.</summary>
    public int FanIn => checked(InChannels / Groups * Kernel.Aggregate(1, (a, b) => checked(a * b)));

    private string Name { get; }

    /// <inheritdoc />
    public override long ParameterCount => ParameterCounts.Checked(this, () => checked(WeightShape.Size + (HasBias ? OutChannels : 0)));

    /// <inheritdoc />
    public override string Describe() =>
        $"{Name}({InChannels}→{OutChannels}, kernel {string.Join("×", Kernel)}, stride {string.Join("×", Stride)}, padding {Padding}"
        + (Dilation.Any(d => d != 1) ? $", dilation {string.Join("×", Dilation)}" : "")
        + (Groups != 1 ? $", groups {Groups}" : "")
        + (HasBias ? ")" : ", no bias)");

    /// <inheritdoc />
    public override Shape OutputShape(Shape input)
    {
        var r = Kernel.Count;
        var axes = r == 1 ? "L" : "H, W";
        if (input.Rank != r + 2 || input[1] != InChannels)
        {
            throw new LayerShapeException(Describe(), "", $"[N, {InChannels}, {axes}]", input);
        }

        var dims = new int[r + 2];
        dims[0] = input[0];
        dims[1] = OutChannels;
        for (var i = 0; i < r; i++)
        {
            var size = ConvolutionArithmetic.OutputSize(input[i + 2], Kernel[i], Stride[i], pads[i].Before, pads[i].After, Dilation[i]);
            if (size <= 0)
            {
                var least = ConvolutionArithmetic.DilatedKernel(Kernel[i], Dilation[i]) - pads[i].Before - pads[i].After;
                throw new LayerShapeException(
                    Describe(), "", $"[N, {InChannels}, {axes}] with spatial axis {i} at least {least} (the dilated kernel {ConvolutionArithmetic.DilatedKernel(Kernel[i], Dilation[i])} less the padding {pads[i].Before} + {pads[i].After}; smaller leaves no output)", input);
            }

            dims[i + 2] = checked((int)size);
        }

        return new Shape(dims);
    }

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend)
    {
        var (kw, kb) = key.Split();
        var fanOut = checked(OutChannels / Groups * Kernel.Aggregate(1, (a, b) => checked(a * b)));
        var w = WeightInit.Create(kw, WeightShape, FanIn, fanOut, backend);
        return HasBias
            ? TensorTree.Of(("weight", w), ("bias", BiasInit.Create(kb, new Shape(OutChannels), FanIn, fanOut, backend)))
            : TensorTree.Of(("weight", w));
    }

    /// <inheritdoc />
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        _ = OutputShape(input.Shape);
        var w = ConvParameters.Require(Describe(), Leaf(parameters, "weight"), "weight", WeightShape);
        var b = HasBias ? ConvParameters.Require(Describe(), Leaf(parameters, "bias"), "bias", new Shape(OutChannels)) : null;
        return (input.Conv(w, b, [.. Stride], pads, [.. Dilation], Groups), state);
    }
}

/// <summary>The parameter shape check the convolution layers share.</summary>
internal static class ConvParameters
{
    public static Tensor Require(string layer, Tensor t, string name, Shape expected) =>
        t.Shape == expected
            ? t
            : throw new ShapeMismatchException($"{layer}: parameter '{name}' has shape {t.Shape}, expected {expected}");
}

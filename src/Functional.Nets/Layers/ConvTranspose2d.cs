namespace Functional.Nets;

/// <summary>
/// A 2-d transposed convolution as PyTorch's <c>nn.ConvTranspose2d</c> (the adjoint of a <see cref="Conv2d"/> in its
/// input, an upsampling in a GAN generator): input [N, C_in, H, W] gives [N, C_out, H_out, W_out] with, per spatial axis,
/// n_out = (n − 1)·s − 2·p + d·(k − 1) + output_padding + 1; parameters <c>weight</c> [C_in, C_out/groups, k_h, k_w]
/// and <c>bias</c> [C_out].
/// </summary>
public sealed class ConvTranspose2d : Layer
{
    /// <summary>Creates a layer with a square kernel and the same stride, padding, output padding and dilation on both axes (weight and bias drawn as PyTorch does).</summary>
    /// <param name="inChannels">Input channels (&gt; 0, divisible by <paramref name="groups"/>).</param>
    /// <param name="outChannels">Output channels (&gt; 0, divisible by <paramref name="groups"/>).</param>
    /// <param name="kernel">Kernel size k on both axes.</param>
    /// <param name="stride">Stride on both axes.</param>
    /// <param name="padding">Entries cropped from both ends of each axis.</param>
    /// <param name="outputPadding">Entries added at the end of each axis, smaller than the stride or the dilation.</param>
    /// <param name="groups">Channel groups.</param>
    /// <param name="bias">Whether to add a bias.</param>
    /// <param name="dilation">Dilation on both axes.</param>
    public ConvTranspose2d(int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0, int outputPadding = 0, int groups = 1, bool bias = true, int dilation = 1)
        : this(inChannels, outChannels, (kernel, kernel), (stride, stride), (padding, padding), (outputPadding, outputPadding), groups, bias, (dilation, dilation))
    {
    }

    /// <summary>Creates the layer; by default weight and bias are drawn from U(±1/√fan_in), fan_in = C_out/groups · k_h · k_w (PyTorch's weight axis 1).</summary>
    /// <param name="inChannels">Input channels (&gt; 0, divisible by <paramref name="groups"/>).</param>
    /// <param name="outChannels">Output channels (&gt; 0, divisible by <paramref name="groups"/>).</param>
    /// <param name="kernel">Kernel size (k_h, k_w).</param>
    /// <param name="stride">Stride (s_h, s_w); default (1, 1).</param>
    /// <param name="padding">Entries cropped from both ends of each axis (p_h, p_w); default (0, 0).</param>
    /// <param name="outputPadding">Entries added at the end of each axis, smaller than the stride or the dilation; default (0, 0).</param>
    /// <param name="groups">Channel groups.</param>
    /// <param name="bias">Whether to add a bias.</param>
    /// <param name="dilation">Dilation (d_h, d_w); default (1, 1).</param>
    /// <param name="weightInit">Initializer for the weight (default: PyTorch's).</param>
    /// <param name="biasInit">Initializer for the bias (default: PyTorch's).</param>
    public ConvTranspose2d(int inChannels, int outChannels, (int H, int W) kernel, (int H, int W)? stride = null, (int H, int W)? padding = null, (int H, int W)? outputPadding = null, int groups = 1, bool bias = true, (int H, int W)? dilation = null, Initializer? weightInit = null, Initializer? biasInit = null)
    {
        InChannels = inChannels;
        OutChannels = outChannels;
        Kernel = [kernel.H, kernel.W];
        Stride = stride is { } s ? [s.H, s.W] : [1, 1];
        Padding = padding is { } p ? [p.H, p.W] : [0, 0];
        OutputPadding = outputPadding is { } q ? [q.H, q.W] : [0, 0];
        Dilation = dilation is { } d ? [d.H, d.W] : [1, 1];
        Groups = groups;
        HasBias = bias;
        WeightInit = weightInit ?? Initializer.TorchDefault;
        BiasInit = biasInit ?? Initializer.TorchDefault;
        if (inChannels <= 0 || outChannels <= 0 || groups <= 0 || Kernel.Any(k => k <= 0) || Stride.Any(v => v <= 0) || Dilation.Any(v => v <= 0) || Padding.Any(v => v < 0) || OutputPadding.Any(v => v < 0))
        {
            // The parameter named is the first bad one, in the constructor's order.
            throw new ArgumentOutOfRangeException(
                inChannels <= 0 ? nameof(inChannels) : outChannels <= 0 ? nameof(outChannels) : Kernel.Any(k => k <= 0) ? nameof(kernel)
                    : Stride.Any(v => v <= 0) ? nameof(stride) : Padding.Any(v => v < 0) ? nameof(padding) : OutputPadding.Any(v => v < 0) ? nameof(outputPadding)
                    : groups <= 0 ? nameof(groups) : nameof(dilation),
                $"ConvTranspose2d: channels, groups, kernel, stride and dilation must be positive and paddings non-negative, got {inChannels}→{outChannels}, groups {groups}, kernel {kernel}, stride [{string.Join(", ", Stride)}], padding [{string.Join(", ", Padding)}], output padding [{string.Join(", ", OutputPadding)}], dilation [{string.Join(", ", Dilation)}]");
        }

        if (inChannels % groups != 0 || outChannels % groups != 0)
        {
            throw new ArgumentException($"ConvTranspose2d: {inChannels} input and {outChannels} output channels must both divide into {groups} groups", nameof(groups));
        }

        for (var i = 0; i < 2; i++)
        {
            if (OutputPadding[i] >= Math.Max(Stride[i], Dilation[i]))
            {
                throw new ArgumentException($"ConvTranspose2d: output padding {OutputPadding[i]} along axis {i} must be smaller than the stride ({Stride[i]}) or the dilation ({Dilation[i]})", nameof(outputPadding));
            }
        }
    }

    /// <summary>Input channels C_in.</summary>
    public int InChannels { get; }

    /// <summary>Output channels C_out.</summary>
    public int OutChannels { get; }

    /// <summary>The kernel size (height, width).</summary>
    public IReadOnlyList<int> Kernel { get; }

    /// <summary>The stride (height, width).</summary>
    public IReadOnlyList<int> Stride { get; }

    /// <summary>The padding cropped from both ends (height, width).</summary>
    public IReadOnlyList<int> Padding { get; }

    /// <summary>The output padding (height, width).</summary>
    public IReadOnlyList<int> OutputPadding { get; }

    /// <summary>The dilation (height, width).</summary>
    public IReadOnlyList<int> Dilation { get; }

    /// <summary>Channel groups.</summary>
    public int Groups { get; }

    /// <summary>Whether the layer adds a bias.</summary>
    public bool HasBias { get; }

    /// <summary>The weight initializer.</summary>
    public Initializer WeightInit { get; }

    /// <summary>The bias initializer.</summary>
    public Initializer BiasInit { get; }

    /// <summary>The weight's shape, [C_in, C_out/groups, k_h, k_w].</summary>
    public Shape WeightShape => new(InChannels, OutChannels / Groups, Kernel[0], Kernel[1]);

    /// <inheritdoc />
    public override long ParameterCount => ParameterCounts.Checked(this, () => checked(WeightShape.Size + (HasBias ? OutChannels : 0)));

    /// <inheritdoc />
    public override string Describe() =>
        $"ConvTranspose2d({InChannels}→{OutChannels}, kernel {Kernel[0]}×{Kernel[1]}, stride {Stride[0]}×{Stride[1]}, padding {Padding[0]}×{Padding[1]}"
        + (OutputPadding.Any(v => v != 0) ? $", output padding {OutputPadding[0]}×{OutputPadding[1]}" : "")
        + (Dilation.Any(d => d != 1) ? $", dilation {Dilation[0]}×{Dilation[1]}" : "")
        + (Groups != 1 ? $", groups {Groups}" : "")
        + (HasBias ? ")" : ", no bias)");

    /// <inheritdoc />
    public override Shape OutputShape(Shape input)
    {
        if (input.Rank != 4 || input[1] != InChannels)
        {
            throw new LayerShapeException(Describe(), "", $"[N, {InChannels}, H, W]", input);
        }

        var dims = new int[4];
        dims[0] = input[0];
        dims[1] = OutChannels;
        for (var i = 0; i < 2; i++)
        {
            var size = ConvolutionArithmetic.TransposeOutputSize(input[i + 2], Kernel[i], Stride[i], Padding[i], OutputPadding[i], Dilation[i]);
            if (size <= 0)
            {
                throw new LayerShapeException(
                    Describe(), "", $"[N, {InChannels}, H, W] whose spatial axis {i} leaves an output: (n − 1)·{Stride[i]} − 2·{Padding[i]} + {ConvolutionArithmetic.DilatedKernel(Kernel[i], Dilation[i])} + {OutputPadding[i]} = {size} ≤ 0 here", input);
            }

            dims[i + 2] = checked((int)size);
        }

        return new Shape(dims);
    }

    /// <inheritdoc />
    public override TensorTree Init(Key key, Backend backend)
    {
        var (kw, kb) = key.Split();
        var taps = Kernel[0] * Kernel[1];
        var fanIn = checked(OutChannels / Groups * taps);
        var fanOut = checked(InChannels * taps);
        var w = WeightInit.Create(kw, WeightShape, fanIn, fanOut, backend);
        return HasBias
            ? TensorTree.Of(("weight", w), ("bias", BiasInit.Create(kb, new Shape(OutChannels), fanIn, fanOut, backend)))
            : TensorTree.Of(("weight", w));
    }

    /// <inheritdoc />
    public override (Tensor Output, TensorTree State) Apply(TensorTree parameters, TensorTree state, Tensor input, Context context)
    {
        _ = OutputShape(input.Shape);
        var w = ConvParameters.Require(Describe(), Leaf(parameters, "weight"), "weight", WeightShape);
        var b = HasBias ? ConvParameters.Require(Describe(), Leaf(parameters, "bias"), "bias", new Shape(OutChannels)) : null;
        return (input.ConvTranspose(w, b, [.. Stride], [.. Padding], [.. OutputPadding], [.. Dilation], Groups), state);
    }
}

namespace Functional.Nets;

/// <summary>
/// The standard convolutional blocks, built from the core containers (<see cref="Sequential"/>,
/// <see cref="Residual"/>, <see cref="Branches"/>) rather than as special classes: each factory returns an
/// ordinary layer value, so its parameters, state, JSON form and gradient checks are those of its parts.
/// </summary>
/// <remarks>
/// <para>Parameter names and torchvision's (<c>torchvision.models.resnet.BasicBlock</c>/<c>Bottleneck</c>,
/// <c>torchvision.ops.SqueezeExcitation</c>), within one block; <see cref="FromTorchvisionName"/> maps them:</para>
/// <code>
/// torchvision          here (BasicBlock / Bottleneck)      here (SqueezeExcitation)
/// conv1.weight         0.body.0.weight                      fc1.weight, fc1.bias → 1.1.weight, 1.1.bias
/// bn1.*                0.body.1.*                           fc2.weight, fc2.bias → 1.3.weight, 1.3.bias
/// conv2.weight         0.body.3.weight
/// bn2.*                0.body.4.*
/// conv3.weight         0.body.6.weight       (Bottleneck)
/// bn3.*                0.body.7.*            (Bottleneck)
/// downsample.0.weight  0.shortcut.0.weight
/// downsample.1.*       0.shortcut.1.*
/// </code>
/// <para>(bn.* is weight, bias, running_mean, running_var, num_batches_tracked.) Inside a whole network the
/// block's own prefix comes first: torchvision's <c>layer2.0.conv1.weight</c> is block <c>layer2.0</c>'s
/// <c>conv1.weight</c>, so <c>tree.Rename(n => ourPrefix + Blocks.FromTorchvisionName(n[theirPrefix.Length..]))</c>.</para>
/// <para>Convolutions take <see cref="Conv2d"/>'s default initialization (PyTorch's <c>nn.Conv2d</c>); batch
/// norms start at γ = 1, β = 0. torchvision's <c>resnet()</c> constructor re-initializes convolutions with
/// Kaiming normal (fan_out); load or copy weights to match a torchvision model exactly.</para>
/// </remarks>
public static class Blocks
{
    /// <summary>Bottleneck's expansion: its output has 4 × <c>planes</c> channels (torchvision's <c>Bottleneck.expansion</c>).</summary>
    public const int BottleneckExpansion = 4;

    /// <summary>
    /// ResNet's basic block (He et al. 2016), as torchvision's <c>BasicBlock</c>: y = ReLU(f(x) + s(x)) with
    /// f = conv3×3(stride s, pad 1, no bias) → BN → ReLU → conv3×3(pad 1, no bias) → BN, and s the identity when
    /// the shape is kept (stride 1 and equal channels), else the projection conv1×1(stride s, no bias) → BN
    /// (torchvision's <c>downsample</c>). Input [N, inChannels, H, W] gives [N, outChannels, ⌊(H − 1)/s⌋ + 1, ⌊(W − 1)/s⌋ + 1].
    /// </summary>
    /// <param name="inChannels">Input channels (&gt; 0).</param>
    /// <param name="outChannels">Output channels (&gt; 0; torchvision's <c>planes</c>).</param>
    /// <param name="stride">Stride of the first convolution and of the projection (&gt; 0).</param>
    /// <returns><c>Sequential(Residual(body, shortcut?), ReLU)</c>; names in the <see cref="Blocks"/> remarks.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A count is not positive.</exception>
    public static Layer BasicBlock(int inChannels, int outChannels, int stride = 1)
    {
        Positive("BasicBlock", (inChannels, nameof(inChannels)), (outChannels, nameof(outChannels)), (stride, nameof(stride)));
        var body = new Sequential(
            Conv3x3(inChannels, outChannels, stride),
            new BatchNorm(outChannels),
            new ReLU(),
            Conv3x3(outChannels, outChannels, 1),
            new BatchNorm(outChannels));
        return new Sequential(new Residual(body, Projection(inChannels, outChannels, stride)), new ReLU());
    }

    /// <summary>
    /// ResNet's bottleneck block, as torchvision's <c>Bottleneck</c> (ResNet v1.5: the stride on the 3×3):
    /// y = ReLU(f(x) + s(x)) with f = conv1×1(in → w) → BN → ReLU → conv3×3(w → w, stride s, groups g, dilation d,
    /// pad d) → BN → ReLU → conv1×1(w → 4·planes) → BN, all without bias, where w = planes · baseWidth/64 · groups;
    /// s is the identity when stride is 1 and inChannels = 4·planes, else conv1×1(stride s, no bias) → BN.
    /// </summary>
    /// <param name="inChannels">Input channels (&gt; 0).</param>
    /// <param name="planes">The block's planes (&gt; 0); the output has <see cref="BottleneckExpansion"/> × planes channels.</param>
    /// <param name="stride">Stride of the 3×3 convolution and of the projection (&gt; 0).</param>
    /// <param name="groups">Groups of the 3×3 convolution (ResNeXt's cardinality; 1 for ResNet).</param>
    /// <param name="baseWidth">torchvision's <c>base_width</c> (64 for ResNet; w = planes · baseWidth/64 · groups must be a positive integer).</param>
    /// <param name="dilation">Dilation of the 3×3 convolution (its padding follows it).</param>
    /// <returns><c>Sequential(Residual(body, shortcut?), ReLU)</c>; names in the <see cref="Blocks"/> remarks.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A count is not positive.</exception>
    /// <exception cref="ArgumentException">The width is not a whole number of channels, or does not divide into the groups.</exception>
    public static Layer Bottleneck(int inChannels, int planes, int stride = 1, int groups = 1, int baseWidth = 64, int dilation = 1)
    {
        Positive(
            "Bottleneck",
            (inChannels, nameof(inChannels)), (planes, nameof(planes)), (stride, nameof(stride)), (groups, nameof(groups)), (baseWidth, nameof(baseWidth)), (dilation, nameof(dilation)));

        // torchvision: width = int(planes * (base_width / 64.0)) * groups; required whole here rather than truncated.
        var scaled = checked((long)planes * baseWidth);
        if (scaled % 64 != 0)
        {
            throw new ArgumentException($"Bottleneck({inChannels}, planes {planes}): planes · baseWidth/64 = {planes}·{baseWidth}/64 is not a whole number of channels", nameof(baseWidth));
        }

        var width = checked((int)(scaled / 64 * groups));
        var outChannels = checked(planes * BottleneckExpansion);
        var body = new Sequential(
            new Conv2d(inChannels, width, 1, bias: false),
            new BatchNorm(width),
            new ReLU(),
            new Conv2d(width, width, 3, stride, Padding.Half, dilation, groups, bias: false),
            new BatchNorm(width),
            new ReLU(),
            new Conv2d(width, outChannels, 1, bias: false),
            new BatchNorm(outChannels));
        return new Sequential(new Residual(body, Projection(inChannels, outChannels, stride)), new ReLU());
    }

    /// <summary>
    /// Squeeze-and-excitation (Hu et al. 2018) with reduction ratio r: y = x ⊙ σ(W₂ ReLU(W₁ GAP(x) + b₁) + b₂),
    /// the global average pool GAP(x) [N, C, 1, 1] squeezed to C/r channels and expanded back, one scale in (0, 1)
    /// per channel of each sample. Built as <c>Branches(Join.BroadcastProduct, Identity,
    /// Sequential(AdaptiveAvgPool2d(1, 1), Conv2d(C → C/r, 1×1), ReLU, Conv2d(C/r → C, 1×1), Sigmoid))</c>:
    /// on the pooled [N, C, 1, 1] a 1×1 convolution is the dense layer C → C/r (its weight [C/r, C, 1, 1] is the
    /// dense weight [C/r, C] reshaped), as torchvision's <c>SqueezeExcitation</c> writes it, and the product
    /// broadcasts the [N, C, 1, 1] scale over H and W. Input and output [N, C, H, W].
    /// </summary>
    /// <param name="channels">Channels C (&gt; 0, divisible by <paramref name="reduction"/>).</param>
    /// <param name="reduction">Reduction ratio r (&gt; 0; the paper's default 16).</param>
    /// <returns>The block; parameters <c>1.1.weight</c> [C/r, C, 1, 1], <c>1.1.bias</c> [C/r], <c>1.3.weight</c> [C, C/r, 1, 1], <c>1.3.bias</c> [C].</returns>
    /// <exception cref="ArgumentOutOfRangeException">A count is not positive.</exception>
    /// <exception cref="ArgumentException">The channels do not divide by the reduction ratio.</exception>
    public static Layer SqueezeExcitation(int channels, int reduction = 16)
    {
        Positive("SqueezeExcitation", (channels, nameof(channels)), (reduction, nameof(reduction)));
        if (channels % reduction != 0)
        {
            throw new ArgumentException($"SqueezeExcitation({channels}, r {reduction}): {channels} channels do not divide by the reduction ratio {reduction}", nameof(reduction));
        }

        var squeezed = channels / reduction;
        var excitation = new Sequential(
            AdaptiveAvgPool2d.Global,
            new Conv2d(channels, squeezed, 1),
            new ReLU(),
            new Conv2d(squeezed, channels, 1),
            new Sigmoid());
        return new Branches(Join.BroadcastProduct, new Identity(), excitation);
    }

    /// <summary>
    /// The name inside one block of a torchvision block's state_dict entry (<c>conv1.weight</c> →
    /// <c>0.body.0.weight</c>, <c>downsample.1.running_mean</c> → <c>0.shortcut.1.running_mean</c>,
    /// <c>fc1.weight</c> → <c>1.1.weight</c>; table in the <see cref="Blocks"/> remarks), for
    /// <see cref="TensorTree.Rename(Func{string, string})"/>.
    /// </summary>
    /// <param name="name">A name from a <c>BasicBlock</c>, <c>Bottleneck</c> or <c>SqueezeExcitation</c> state_dict.</param>
    /// <exception cref="ArgumentException">A name that no block here has.</exception>
    public static string FromTorchvisionName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        var (module, rest) = dot < 0 ? (name, "") : (name[..dot], name[dot..]);
        var ours = module switch
        {
            "conv1" => "0.body.0",
            "bn1" => "0.body.1",
            "conv2" => "0.body.3",
            "bn2" => "0.body.4",
            "conv3" => "0.body.6",
            "bn3" => "0.body.7",
            "downsample" => "0.shortcut",
            "fc1" => "1.1",
            "fc2" => "1.3",
            _ => null,
        };
        return ours is not null && rest.Length > 1
            ? ours + rest
            : throw new ArgumentException($"Blocks.FromTorchvisionName: '{name}' is not a BasicBlock, Bottleneck or SqueezeExcitation entry (conv1..3, bn1..3, downsample.0/1, fc1, fc2)", nameof(name));
    }

    /// <summary>torchvision's conv3x3: 3×3, padding 1, no bias.</summary>
    private static Conv2d Conv3x3(int inChannels, int outChannels, int stride) =>
        new(inChannels, outChannels, 3, stride, Padding.Half, bias: false);

    /// <summary>torchvision's downsample, conv1×1(stride) → BN, where the body changes the shape; null (identity) where it keeps it.</summary>
    private static Sequential? Projection(int inChannels, int outChannels, int stride) =>
        stride == 1 && inChannels == outChannels
            ? null
            : new Sequential(new Conv2d(inChannels, outChannels, 1, stride, bias: false), new BatchNorm(outChannels));

    private static void Positive(string block, params (int Value, string Name)[] counts)
    {
        foreach (var (value, name) in counts)
        {
            if (value <= 0)
            {
                throw new ArgumentOutOfRangeException(name, value, $"{block}: {name} must be positive, got {value}");
            }
        }
    }
}

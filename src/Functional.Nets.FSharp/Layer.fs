namespace Functional.Nets.FSharp

open Functional.Nets

/// Building, initialising and applying layers (Functional.Nets.Layer) with curried functions whose last
/// argument is the layer, so a model reads as a pipeline: `model |> Layer.apply parameters x`.
[<RequireQualifiedAccess>]
module Layer =

    /// A chain of layers applied in order; child i's parameters are named `i.*` as in PyTorch's nn.Sequential.
    let sequential (layers: Layer list) : Layer = Sequential(layers)

    /// `layer` always run in evaluation mode (batch norm on its running statistics, state unchanged; dropout off),
    /// transparent in names: the usual wrapper of a frozen, pretrained backbone.
    let evalMode (layer: Layer) : Layer = EvalMode(layer)

    /// A parameter-free, stateless layer from an F# function of the context's mode and key and the input, with the
    /// same output shape as its input: `Layer.ofFunction "RandomShift(±1 px)" true (fun mode key x -> ...)`.
    /// `stochastic` says whether it needs a key in training mode (the key is None in evaluation or without one).
    let ofFunction (describe: string) (stochastic: bool) (f: Mode -> Key option -> Tensor -> Tensor) : Layer =
        { new Layer() with
            override _.Describe() = describe
            override _.OutputShape input = input
            override _.IsStochastic = stochastic
            override _.Init(_, _) = TensorTree.Empty
            override _.Apply(_, state, input, context) = struct (f context.Mode (Option.ofNullable context.Key) input, state) }

    /// A 1-d convolution (nn.Conv1d) over [N, C_in, L]: L_out = ⌊(L + p_before + p_after − (k − 1) − 1)/s⌋ + 1.
    let conv1d (inChannels: int) (outChannels: int) (kernel: int) (stride: int) (padding: Padding) : Layer =
        Conv1d(inChannels, outChannels, kernel, stride = stride, padding = padding)

    /// A 2-d convolution (nn.Conv2d) with a square kernel, over [N, C_in, H, W]: n_out = ⌊(n + p_before + p_after − (k − 1) − 1)/s⌋ + 1
    /// per axis; `Padding.None`, `Padding.Half`, `Padding.Full` or `Padding.Explicit`.
    let conv2d (inChannels: int) (outChannels: int) (kernel: int) (stride: int) (padding: Padding) : Layer =
        Conv2d(inChannels, outChannels, kernel, stride = stride, padding = padding)

    /// A 2-d transposed convolution (nn.ConvTranspose2d) with a square kernel: n_out = (n − 1)·s − 2p + (k − 1) + output_padding + 1.
    let convTranspose2d (inChannels: int) (outChannels: int) (kernel: int) (stride: int) (padding: int) (outputPadding: int) : Layer =
        ConvTranspose2d(inChannels, outChannels, kernel, stride, padding, outputPadding)

    /// Parameters for `layer` on `backend`, drawn deterministically from `key`.
    let init (key: Key) (backend: Backend) (layer: Layer) : TensorTree = layer.Init(key, backend)

    /// The pure forward pass of a stateless, deterministic layer (throws for layers with state or randomness;
    /// use `applyWith` for those).
    let apply (parameters: TensorTree) (input: Tensor) (layer: Layer) : Tensor = layer.Apply(parameters, input)

    /// The pure forward pass with explicit state and context: returns the output and the new state.
    let applyWith (parameters: TensorTree) (state: TensorTree) (context: Context) (input: Tensor) (layer: Layer) : Tensor * TensorTree =
        let struct (output, state') = layer.Apply(parameters, state, input, context)
        output, state'

    /// The output shape for an input of `input` dimensions, or a shape error naming the layer.
    let outputShape (input: int list) (layer: Layer) : int list =
        layer.OutputShape(Shape(Array.ofList input)).ToArray() |> List.ofArray

    /// A residual block y = body(x) + x; the body's parameters are named `body.*`. Shapes must match exactly.
    let residual (body: Layer) : Layer = Residual(body)

    /// A residual block y = body(x) + shortcut(x), with a projection on the shortcut (named `shortcut.*`).
    let residualWith (shortcut: Layer) (body: Layer) : Layer = Residual(body, shortcut)

    /// Branches on the same input, summed elementwise; branch i's parameters are named `i.*`.
    let parallelSum (branches: Layer list) : Layer = Branches(Join.Sum, branches)

    /// Branches on the same input, multiplied elementwise (a gate); branch i's parameters are named `i.*`.
    let parallelProduct (branches: Layer list) : Layer = Branches(Join.Product, branches)

    /// Every branch's output, unmerged (a model with several outputs), and the new state.
    let applyBranches (parameters: TensorTree) (state: TensorTree) (context: Context) (input: Tensor) (branches: Branches) : Tensor list * TensorTree =
        let result = branches.ApplyBranches(parameters, state, input, context)
        List.ofSeq result.Outputs, result.State

    /// Branches on the same input, concatenated along `axis` (−1: the features); branch i's parameters are named `i.*`.
    let parallelConcat (axis: int) (branches: Layer list) : Layer = Branches(Join.Concat axis, branches)

    /// A cell run along time of a batch-first input [N, T, F], forward; outputs [N, T, H] from the zero carry.
    let scan (cell: Cell) : Layer = Scan(cell)

    /// A cell run along time from the last step to the first.
    let scanReversed (cell: Cell) : Layer = Scan(cell, true)

    /// An LSTM over a batch-first sequence [N, T, inputs] → [N, T, hidden] (nn.LSTM's numbers, gate order i, f, g, o).
    let lstm (inputs: int) (hidden: int) : Layer = Scan(LstmCell(inputs, hidden))

    /// A GRU over a batch-first sequence [N, T, inputs] → [N, T, hidden] (nn.GRU's numbers, gate order r, z, n).
    let gru (inputs: int) (hidden: int) : Layer = Scan(GruCell(inputs, hidden))

    /// A scan from a given initial carry: the outputs [N, T, H] and the final carry.
    let runScan (parameters: TensorTree) (carry: TensorTree) (input: Tensor) (scan: Scan) : Tensor * TensorTree =
        let result = scan.Run(parameters, input, carry)
        result.Outputs, result.Carry

    /// Branches on the same input multiplied with broadcasting onto the first's shape (an [N, C, 1, 1] scale onto [N, C, H, W]).
    let parallelBroadcastProduct (branches: Layer list) : Layer = Branches(Join.BroadcastProduct, branches)

    /// ResNet's basic block as torchvision's BasicBlock: ReLU(conv3×3(stride) → BN → ReLU → conv3×3 → BN + shortcut),
    /// the shortcut a 1×1 conv + BN projection where the shape changes. Names: Blocks.FromTorchvisionName.
    let basicBlock (inChannels: int) (outChannels: int) (stride: int) : Layer = Blocks.BasicBlock(inChannels, outChannels, stride)

    /// ResNet's bottleneck as torchvision's Bottleneck (1×1 → 3×3(stride) → 1×1, output 4·planes channels).
    let bottleneck (inChannels: int) (planes: int) (stride: int) : Layer = Blocks.Bottleneck(inChannels, planes, stride)

    /// Squeeze-and-excitation with reduction ratio r: x ⊙ σ(W₂ ReLU(W₁ GAP(x))), one scale per channel.
    let squeezeExcitation (channels: int) (reduction: int) : Layer = Blocks.SqueezeExcitation(channels, reduction)

    /// The options of the sequence layers `Layer.rnnWith`, `Layer.lstmWith`, `Layer.gruWith` (nn.RNN's arguments):
    /// stacked layers, both directions (outputs [.., 2·hidden]), batch-first [N, T, F] or time-first [T, N, F],
    /// dropout between layers (train mode, not after the last) and biases. Start from `Layer.recurrent`.
    type RecurrentOptions =
        { Layers: int
          Bidirectional: bool
          BatchFirst: bool
          Dropout: float
          Bias: bool }

    /// One batch-first layer, forward only, no dropout, with biases: `{ Layer.recurrent with Layers = 2; Bidirectional = true }`.
    let recurrent: RecurrentOptions =
        { Layers = 1; Bidirectional = false; BatchFirst = true; Dropout = 0.0; Bias = true }

    /// nn.RNN (tanh) over whole sequences; parameters `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, … as its state_dict.
    let rnnWith (options: RecurrentOptions) (inputs: int) (hidden: int) : Rnn =
        Rnn(inputs, hidden, options.Layers, options.Bidirectional, options.BatchFirst, options.Dropout, options.Bias)

    /// nn.RNN with ReLU instead of tanh.
    let rnnReluWith (options: RecurrentOptions) (inputs: int) (hidden: int) : Rnn =
        Rnn(inputs, hidden, options.Layers, options.Bidirectional, options.BatchFirst, options.Dropout, options.Bias, RnnNonlinearity.ReLU)

    /// nn.LSTM over whole sequences (gate order i, f, g, o); parameters named as its state_dict (`weight_ih_l0_reverse`, …).
    let lstmWith (options: RecurrentOptions) (inputs: int) (hidden: int) : Lstm =
        Lstm(inputs, hidden, options.Layers, options.Bidirectional, options.BatchFirst, options.Dropout, options.Bias)

    /// nn.GRU over whole sequences (gate order r, z, n); parameters named as its state_dict.
    let gruWith (options: RecurrentOptions) (inputs: int) (hidden: int) : Gru =
        Gru(inputs, hidden, options.Layers, options.Bidirectional, options.BatchFirst, options.Dropout, options.Bias)

    /// What `Layer.runRecurrent` returns, in PyTorch's layout: the outputs (zero at padded steps), h_n and, for an LSTM,
    /// c_n, each [layers·directions, N, hidden].
    type RecurrentRun =
        { Outputs: Tensor
          Hidden: Tensor
          Cell: Tensor option }

    /// Runs a sequence layer in evaluation mode over sequences of the given lengths (None: all full), from the given
    /// initial states h0 and c0 [layers·directions, N, hidden] (None: zeros).
    let runRecurrent (parameters: TensorTree) (lengths: int list option) (h0: Tensor option) (c0: Tensor option) (input: Tensor) (layer: RecurrentLayer) : RecurrentRun =
        let lengths = lengths |> Option.map (fun l -> Array.ofList l :> System.Collections.Generic.IReadOnlyList<int>) |> Option.toObj
        let result = layer.Run(parameters, input, lengths, Option.toObj h0, Option.toObj c0)
        { Outputs = result.Outputs; Hidden = result.Hidden; Cell = Option.ofObj result.Cell }

    /// Max-pooling (nn.MaxPool2d) with a square `kernel` and stride = kernel over [N, C, H, W]; the gradient goes to each window's maximum.
    let maxPool2d (kernel: int) : Layer = MaxPool2d(kernel)

    /// Batch normalisation over [N, C, H, W] with per-channel statistics (nn.BatchNorm2d).
    let batchNorm2d (channels: int) : Layer = BatchNorm(channels)

    /// [N, d₁, d₂, …] → [N, d₁·d₂·…] (nn.Flatten).
    let flatten : Layer = Flatten()

    /// Random shifts of 28 × 28 images by up to ±`maxShift` pixels in training (drawn from the context's key), the identity at evaluation.
    let randomShift (maxShift: int) : Layer = RandomShift(maxShift)

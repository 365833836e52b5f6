using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Functional.Nets.Torch;

/// <summary>
/// Whole LSTM and GRU sequences in one libtorch call (<see cref="IFusedRecurrence"/>): <c>torch.lstm</c> and
/// <c>torch.gru</c>, and Elman RNN sequences (<c>torch.rnn_tanh</c>, <c>torch.rnn_relu</c>), each one layer and direction
/// (<see cref="Scan"/>) or a whole stack (<see cref="RecurrentLayer"/>), batch first, differentiated by autograd.
/// </summary>
/// <remarks>
/// TorchSharp 0.107 exposes libtorch's sequence functions only through <c>nn.LSTM</c>/<c>nn.GRU</c> modules that own
/// their weights; a TorchScript function of given weights reaches the same kernels with our tensors as the autograd
/// leaves. On CPU in float32 libtorch runs oneDNN's fused RNN (forward and backward), measured here at 1.5× the
/// per-step composition for one LSTM layer (hidden 256, T = 50, batch 64, one thread: 159 against 237 ms per
/// forward + backward); in float64 its own C++ loop of the same composed ops, still 1.45× faster. The Elman RNN runs
/// libtorch's C++ loop in both dtypes: 1.2–1.6× the step loop for <c>Rnn(8, 32)</c> over T = 200, batch 64. The cells'
/// formulas are PyTorch's, which <see cref="Functional.Nets.LstmCell"/>, <see cref="Functional.Nets.GruCell"/> and
/// <see cref="Functional.Nets.RnnCell"/> follow, and a test holds both dtypes to the step loop (Capabilities.PlainOnly).
/// </remarks>
public sealed partial class TorchBackend : IFusedRecurrence
{
    // Compiled once per process, on first use; never disposed (it lives as long as the process's libtorch). If
    // TorchScript cannot compile here the capability declines and Scan runs its step loop.
    private static readonly Lazy<torch.jit.CompilationUnit?> RecurrentScripts = new(CompileRecurrentScripts);

    /// <inheritdoc />
    public (Tensor Outputs, Tensor H, Tensor C)? LstmSequence(Tensor inputs, Tensor h, Tensor c, Tensor weightIh, Tensor weightHh, Tensor? biasIh, Tensor? biasHh, bool reverse)
    {
        if (RecurrentScripts.Value is not { } scripts)
        {
            return null;
        }

        try
        {
            using var scope = torch.NewDisposeScope();
            var operands = Operands("lstm_sequence", [inputs, h, c, weightIh, weightHh, biasIh, biasHh]);
            using var inference = Inference(operands);
            var (y, hn, cn) = ((TorchTensor, TorchTensor, TorchTensor))Invoke(scripts, ScriptName("lstm", biasIh is not null, reverse), operands);
            scope.MoveToOuter(y, hn, cn);
            return (Make(y, new Shape(inputs.Shape[0], inputs.Shape[1], h.Shape[1])), Make(hn, h.Shape), Make(cn, c.Shape));
        }
        catch (ExternalException e)
        {
            throw Failure("lstm_sequence", e, inputs.Shape, h.Shape, weightIh.Shape, weightHh.Shape);
        }
    }

    /// <inheritdoc />
    public (Tensor Outputs, Tensor H)? GruSequence(Tensor inputs, Tensor h, Tensor weightIh, Tensor weightHh, Tensor? biasIh, Tensor? biasHh, bool reverse) =>
        SequenceWithoutCell("gru", inputs, h, weightIh, weightHh, biasIh, biasHh, reverse);

    /// <inheritdoc />
    public (Tensor Outputs, Tensor H)? RnnSequence(Tensor inputs, Tensor h, Tensor weightIh, Tensor weightHh, Tensor? biasIh, Tensor? biasHh, bool reverse, bool relu) =>
        SequenceWithoutCell(relu ? "rnn_relu" : "rnn_tanh", inputs, h, weightIh, weightHh, biasIh, biasHh, reverse);

    /// <summary>One layer and direction of a cell whose carry is h alone (<c>gru</c>, <c>rnn_tanh</c>, <c>rnn_relu</c>).</summary>
    private (Tensor Outputs, Tensor H)? SequenceWithoutCell(string cell, Tensor inputs, Tensor h, Tensor weightIh, Tensor weightHh, Tensor? biasIh, Tensor? biasHh, bool reverse)
    {
        if (RecurrentScripts.Value is not { } scripts)
        {
            return null;
        }

        var op = cell + "_sequence";
        try
        {
            using var scope = torch.NewDisposeScope();
            var operands = Operands(op, [inputs, h, weightIh, weightHh, biasIh, biasHh]);
            using var inference = Inference(operands);
            var (y, hn) = ((TorchTensor, TorchTensor))Invoke(scripts, ScriptName(cell, biasIh is not null, reverse), operands);
            scope.MoveToOuter(y, hn);
            return (Make(y, new Shape(inputs.Shape[0], inputs.Shape[1], h.Shape[1])), Make(hn, h.Shape));
        }
        catch (ExternalException e)
        {
            throw Failure(op, e, inputs.Shape, h.Shape, weightIh.Shape, weightHh.Shape);
        }
    }

    /// <inheritdoc />
    public (Tensor Outputs, Tensor H, Tensor C)? LstmStack(Tensor inputs, Tensor h0, Tensor c0, IReadOnlyList<Tensor> weights, bool bias, int layers, bool bidirectional)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var name = StackName("lstm", bias, layers, bidirectional);
        if (StackScript(name, "lstm", weights.Count, bias, layers, bidirectional) is not { } script)
        {
            return null;
        }

        try
        {
            using var scope = torch.NewDisposeScope();
            var operands = Operands("lstm_stack", [inputs, h0, c0, .. weights]);
            using var inference = Inference(operands);
            var (y, hn, cn) = ((TorchTensor, TorchTensor, TorchTensor))Invoke(script, name, operands);
            scope.MoveToOuter(y, hn, cn);
            return (Make(y, StackOutputs(inputs, h0, bidirectional)), Make(hn, h0.Shape), Make(cn, c0.Shape));
        }
        catch (ExternalException e)
        {
            throw Failure("lstm_stack", e, inputs.Shape, h0.Shape, weights[0].Shape, weights[1].Shape);
        }
    }

    /// <inheritdoc />
    public (Tensor Outputs, Tensor H)? GruStack(Tensor inputs, Tensor h0, IReadOnlyList<Tensor> weights, bool bias, int layers, bool bidirectional) =>
        StackWithoutCell("gru", inputs, h0, weights, bias, layers, bidirectional);

    /// <inheritdoc />
    public (Tensor Outputs, Tensor H)? RnnStack(Tensor inputs, Tensor h0, IReadOnlyList<Tensor> weights, bool bias, int layers, bool bidirectional, bool relu) =>
        StackWithoutCell(relu ? "rnn_relu" : "rnn_tanh", inputs, h0, weights, bias, layers, bidirectional);

    /// <summary>A stack whose carry is h alone (<c>torch.gru</c>, <c>torch.rnn_tanh</c>, <c>torch.rnn_relu</c>, which take the same arguments).</summary>
    private (Tensor Outputs, Tensor H)? StackWithoutCell(string cell, Tensor inputs, Tensor h0, IReadOnlyList<Tensor> weights, bool bias, int layers, bool bidirectional)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var name = StackName(cell, bias, layers, bidirectional);
        if (StackScript(name, cell, weights.Count, bias, layers, bidirectional) is not { } script)
        {
            return null;
        }

        var op = cell + "_stack";
        try
        {
            using var scope = torch.NewDisposeScope();
            var operands = Operands(op, [inputs, h0, .. weights]);
            using var inference = Inference(operands);
            var (y, hn) = ((TorchTensor, TorchTensor))Invoke(script, name, operands);
            scope.MoveToOuter(y, hn);
            return (Make(y, StackOutputs(inputs, h0, bidirectional)), Make(hn, h0.Shape));
        }
        catch (ExternalException e)
        {
            throw Failure(op, e, inputs.Shape, h0.Shape, weights[0].Shape, weights[1].Shape);
        }
    }

    // One compiled function per cell, bias, depth and direction count, compiled on first use (a model has one or two).
    private static readonly ConcurrentDictionary<string, Lazy<torch.jit.CompilationUnit?>> StackScripts = new();

    private static Shape StackOutputs(Tensor inputs, Tensor h0, bool bidirectional) =>
        new(inputs.Shape[0], inputs.Shape[1], checked((bidirectional ? 2 : 1) * h0.Shape[2]));

    private static string StackName(string cell, bool bias, int layers, bool bidirectional) =>
        $"{cell}_stack_l{layers}{(bidirectional ? "_bidirectional" : "")}{(bias ? "" : "_no_bias")}";

    /// <summary>
    /// The compiled stack <paramref name="name"/> of <paramref name="cell"/> (<c>lstm</c>, <c>gru</c>, <c>rnn_tanh</c>,
    /// <c>rnn_relu</c>) taking <paramref name="count"/> weights, or null when TorchScript cannot compile here (the layer
    /// then runs layer by layer). The function is, for the LSTM with two layers:
    /// <c>torch.lstm(x, [h0, c0], [w_ih_l0, w_hh_l0, b_ih_l0, b_hh_l0, w_ih_l1, …], True, 2, 0.0, train, False, True)</c>;
    /// the others take h0 alone in place of the list.
    /// </summary>
    private static torch.jit.CompilationUnit? StackScript(string name, string cell, int count, bool bias, int layers, bool bidirectional) =>
        StackScripts.GetOrAdd(name, _ => new Lazy<torch.jit.CompilationUnit?>(() => CompileStack(name, cell, count, bias, layers, bidirectional))).Value;

    private static torch.jit.CompilationUnit? CompileStack(string name, string cell, int count, bool bias, int layers, bool bidirectional)
    {
        var lstm = cell == "lstm";
        var weights = string.Join(", ", Enumerable.Range(0, count).Select(i => $"w{i}"));
        var states = lstm ? "h, c" : "h";
        var train = "torch.is_grad_enabled() and (" + string.Join(" or ", (states + ", x, " + weights).Split(", ").Select(o => o + ".requires_grad")) + ")";
        string Flag(bool b) => b ? "True" : "False";

        // torch.lstm/gru/rnn_tanh/rnn_relu(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first).
        var source = lstm
            ? $"""
              def {name}(x, h, c, {weights}):
                  y, hn, cn = torch.lstm(x, [h, c], [{weights}], {Flag(bias)}, {layers}, 0.0, {train}, {Flag(bidirectional)}, True)
                  return y, hn, cn

              """
            : $"""
              def {name}(x, h, {weights}):
                  y, hn = torch.{cell}(x, h, [{weights}], {Flag(bias)}, {layers}, 0.0, {train}, {Flag(bidirectional)}, True)
                  return y, hn

              """;
        try
        {
            return torch.jit.compile(source);
        }
        catch (ExternalException)
        {
            return null;
        }
    }

    /// <summary>
    /// A no-grad guard when no operand records gradients (an evaluation or sampling pass), else null. TorchScript's
    /// executor costs as much as recording whenever grad mode is on, measured here at 1.4× the no-grad forward of one
    /// LSTM layer (hidden 256, T = 50, batch 64) although nothing required a gradient.
    /// </summary>
    private static IDisposable? Inference(object[] operands) =>
        operands.Any(o => ((TorchTensor)o).requires_grad) ? null : torch.no_grad();

    private static string ScriptName(string cell, bool bias, bool reverse) => $"{cell}{(bias ? "" : "_no_bias")}{(reverse ? "_reverse" : "")}";

    /// <summary>
    /// Calls <paramref name="name"/> of <paramref name="unit"/>, keeping <paramref name="operands"/> alive past the
    /// call: TorchSharp's invoke reads the handles, then makes more managed calls before libtorch takes its own
    /// references, and an operand that nothing else holds could be finalized in between (a stress run of invoke on such
    /// operands beside a collecting thread crashed the process within seconds).
    /// </summary>
    private static object Invoke(torch.jit.CompilationUnit unit, string name, object[] operands)
    {
        var result = unit.invoke(name, operands);
        GC.KeepAlive(operands);
        return result;
    }

    /// <summary>The native operands in order, the absent biases left out (the scripts without biases take none).</summary>
    private object[] Operands(string op, Tensor?[] tensors) =>
        tensors.Where(t => t is not null).Select(t => (object)Native(t!, op)).ToArray();

    /// <summary>
    /// One function per cell (LSTM, GRU, Elman RNN with tanh or ReLU), bias and direction. A reversed sequence is the forward run over the inputs flipped in
    /// time, its outputs flipped back, so y_t stays at t and the final state is the one after t = 0, as Scan's.
    /// </summary>
    private static torch.jit.CompilationUnit? CompileRecurrentScripts()
    {
        var source = new System.Text.StringBuilder();
        foreach (var reverse in new[] { false, true })
        {
            foreach (var bias in new[] { true, false })
            {
                var flipIn = reverse ? "x = x.flip([1])\n    " : "";
                var flipOut = reverse ? "y = y.flip([1])\n    " : "";
                var weights = bias ? "w_ih, w_hh, b_ih, b_hh" : "w_ih, w_hh";
                var hasBias = bias ? "True" : "False";

                // train: whether autograd will need the kernel's workspace. oneDNN's float32 kernel runs its cheaper
                // inference form otherwise (an evaluation or sampling pass records nothing); dropout is 0 either way.
                string Train(string operands) =>
                    "torch.is_grad_enabled() and (" + string.Join(" or ", operands.Split(", ").Select(o => o + ".requires_grad")) + ")";

                // torch.lstm(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first).
                source.Append($"""
                    def {ScriptName("lstm", bias, reverse)}(x, h, c, {weights}):
                        {flipIn}y, hn, cn = torch.lstm(x, [h.unsqueeze(0), c.unsqueeze(0)], [{weights}], {hasBias}, 1, 0.0, {Train("x, h, c, " + weights)}, False, True)
                        {flipOut}return y, hn.squeeze(0), cn.squeeze(0)

                    def {ScriptName("gru", bias, reverse)}(x, h, {weights}):
                        {flipIn}y, hn = torch.gru(x, h.unsqueeze(0), [{weights}], {hasBias}, 1, 0.0, {Train("x, h, " + weights)}, False, True)
                        {flipOut}return y, hn.squeeze(0)

                    def {ScriptName("rnn_tanh", bias, reverse)}(x, h, {weights}):
                        {flipIn}y, hn = torch.rnn_tanh(x, h.unsqueeze(0), [{weights}], {hasBias}, 1, 0.0, {Train("x, h, " + weights)}, False, True)
                        {flipOut}return y, hn.squeeze(0)

                    def {ScriptName("rnn_relu", bias, reverse)}(x, h, {weights}):
                        {flipIn}y, hn = torch.rnn_relu(x, h.unsqueeze(0), [{weights}], {hasBias}, 1, 0.0, {Train("x, h, " + weights)}, False, True)
                        {flipOut}return y, hn.squeeze(0)


                    """);
            }
        }

        try
        {
            return torch.jit.compile(source.ToString());
        }
        catch (ExternalException)
        {
            return null;
        }
    }
}

using TorchSharp;
using static TorchSharp.torch;
using TorchSequential = TorchSharp.Modules.Sequential;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Functional.Nets.Bench;

/// <summary>
/// The imperative peer a TorchSharp user would write: an <c>nn.Module</c> of Linear and ReLU layers trained by
/// <c>torch.optim.Adam</c>, one step = zero_grad, forward, cross-entropy, backward, step, loss.item().
/// </summary>
public sealed class TorchSharpMlp : IDisposable
{
    private readonly TorchSequential module;
    private readonly optim.Optimizer optimizer;

    /// <summary>Builds the module with widths <paramref name="widths"/> and copies <paramref name="parameters"/> into it (PyTorch's names).</summary>
    public TorchSharpMlp(int[] widths, TensorTree parameters, double learningRate)
    {
        var layers = new List<(string, nn.Module<TorchTensor, TorchTensor>)>();
        for (var i = 0; i + 1 < widths.Length; i++)
        {
            layers.Add(((2 * i).ToString(System.Globalization.CultureInfo.InvariantCulture), nn.Linear(widths[i], widths[i + 1])));
            if (i + 2 < widths.Length)
            {
                layers.Add(((2 * i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), nn.ReLU()));
            }
        }

        module = nn.Sequential(layers);
        using (no_grad())
        {
            foreach (var (name, p) in module.named_parameters())
            {
                p.copy_(Torch.TorchBackend.ToTorch(parameters[name]));
            }
        }

        optimizer = optim.Adam(module.parameters(), learningRate);
    }

    /// <summary>
    /// One training step on a batch of inputs and class indices (int64); returns the loss and the number of correct
    /// predictions, the two figures <see cref="Trainer.Step"/> reports for a labelled batch.
    /// </summary>
    public (float Loss, long Correct) Step(TorchTensor inputs, TorchTensor classes)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        var output = module.forward(inputs);
        var loss = nn.functional.cross_entropy(output, classes);
        loss.backward();
        optimizer.step();
        return (loss.item<float>(), output.argmax(1).eq(classes).sum().item<long>());
    }

    /// <summary>Forward and backward only (no optimizer step), for profiling.</summary>
    public float ForwardBackward(TorchTensor inputs, TorchTensor classes)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        var loss = nn.functional.cross_entropy(module.forward(inputs), classes);
        loss.backward();
        return loss.item<float>();
    }

    /// <summary>The optimizer step only, for profiling.</summary>
    public void OptimizerStep() => optimizer.step();

    /// <summary>The current parameters, by PyTorch's names, as arrays.</summary>
    public Dictionary<string, double[]> Parameters() =>
        module.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().cpu().to(float64).data<double>().ToArray());

    /// <inheritdoc />
    public void Dispose()
    {
        optimizer.Dispose();
        module.Dispose();
    }
}

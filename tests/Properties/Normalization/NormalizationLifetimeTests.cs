using Functional.Nets.Torch;
using TorchSharp;

namespace Functional.Nets.Tests.Normalization;

/// <summary>
/// On the Torch backend, the batch-norm primitive (a composition of libtorch ops with its own dispose scope),
/// dropout masks and the running-statistics update release everything they create: the thread's live-tensor
/// count is the same before and after a scoped Apply and after ValueAndGradWithAux once its results are disposed.
/// </summary>
public sealed class NormalizationLifetimeTests
{
    [Theory]
    [InlineData(Mode.Train)]
    [InlineData(Mode.Eval)]
    public void Normalization_layers_leave_no_live_tensors(Mode mode)
    {
        var backend = TorchBackend.CpuFloat64;
        var model = new Sequential(new Dense(3, 4, bias: false), new BatchNorm(4), new Tanh(), new Dropout(0.3), new DropConnect(4, 2), new BatchNorm(2, affine: false));
        using var parameters = model.Init(Key.FromSeed(1), backend);
        using var state = model.InitState(backend);
        using var x = backend.FromArray(Key.FromSeed(2).Normal(5 * 3), 5, 3);
        using var target = backend.FromArray(Key.FromSeed(3).Normal(5 * 2), 5, 2);
        var context = new Context(mode, Key.FromSeed(4));
        (Tensor, TensorTree) Objective(TensorTree p)
        {
            var (y, s) = model.Apply(p, state, x, context);
            return (Losses.MeanSquaredError(y, target), s);
        }

        // Warm-up, so that lazily created tensors (if any) exist before the count is taken.
        using (backend.Scope())
        {
            model.Apply(parameters, state, x, context);
        }

        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using (backend.Scope())
        {
            var (y, s) = model.Apply(parameters, state, x, context);
            Assert.Equal(new Shape(5, 2), y.Shape);
            Assert.Equal(state.Names, s.Names);
        }

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);

        var (value, aux, gradients) = Grad.ValueAndGradWithAux(Objective, parameters);
        Assert.Equal(state.Names, aux.Names);
        value.Dispose();
        aux.Dispose();
        gradients.Dispose();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}

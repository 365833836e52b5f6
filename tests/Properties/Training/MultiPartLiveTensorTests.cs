using Functional.Nets.Torch;
using TorchSharp;

namespace Functional.Nets.Tests.Training;

/// <summary>
/// Hundreds of two-part adversarial steps on the Torch backend (two updates per step, each part with its own Adam
/// state, donated as <see cref="MultiPartTrainer.Fit"/> donates) leave the thread's live-tensor count exactly where it
/// was once their results are released, in a hand-written loop with <see cref="MultiPartState.ReleaseUnshared"/> and
/// through <see cref="MultiPartTrainer.Fit"/>. Counted as in <c>Memory/TorchLiveTensorTests</c>.
/// </summary>
public sealed class MultiPartLiveTensorTests
{
    private const int Steps = 300;

    private static long Live => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    [Fact]
    public void Adversarial_steps_leave_the_live_count_unchanged()
    {
        var backend = TorchBackend.CpuFloat32;
        using var data = ToyGan.Data(backend, 64);
        var trainer = ToyGan.Trainer();
        var initial = ToyGan.Create(backend, 1);
        ToyGan.Run(trainer, initial, data.Inputs, 5).ReleaseUnshared(initial); // warm-up: lazily created tensors exist before counting

        var before = Live;
        ToyGan.Run(trainer, initial, data.Inputs, Steps).ReleaseUnshared(initial);
        Assert.Equal(before, Live);

        // The count does see tensors: a kept step's state is counted.
        using (var batch = ToyGan.BatchAt(initial, data.Inputs, 16))
        {
            var (next, _) = trainer.Step(initial, batch);
            Assert.True(Live > before);
            next.ReleaseUnshared(initial);
        }

        Release(initial);
    }

    [Fact]
    public void Adversarial_Fit_leaves_the_live_count_unchanged()
    {
        var backend = TorchBackend.CpuFloat32;
        using var data = ToyGan.Data(backend, 64);
        var trainer = ToyGan.Trainer();
        var initial = ToyGan.Create(backend, 2);
        var options = new FitOptions { BatchSize = 16, ReleaseMemoryEvery = 7 };
        trainer.Fit(initial, data, options with { Epochs = 1 }).State.ReleaseUnshared(initial);

        var before = Live;
        var (final, history) = trainer.Fit(initial, data, options with { Epochs = Steps / 4 }, callbacks: new EarlyStopping(patience: 1000));
        Assert.Equal(Steps / 4, history.Epochs.Count);
        final.ReleaseUnshared(initial);
        Assert.Equal(before, Live);
        Release(initial);
    }

    private static void Release(MultiPartState state)
    {
        foreach (var part in state.Parts)
        {
            part.Parameters.Dispose();
            part.LayerState.Dispose();
            part.OptimizerState.Dispose();
        }
    }
}

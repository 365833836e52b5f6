namespace Functional.Nets.Tests.Checkpoints;

/// <summary>
/// Resuming from a checkpoint continues training exactly as if never stopped: a small MLP trained with
/// Adam on minibatches drawn from each step's key, with a running average of the loss kept as layer
/// state, gives bit for bit the same <see cref="TrainState"/> after N steps, save, load, M more steps as
/// after N + M uninterrupted steps. On every backend combination, float32 included (its checkpoint is
/// F32, which is exact for float32 values).
/// </summary>
public sealed class ResumeTests
{
    private const int Samples = 48;
    private const int Batch = 12;

    /// <summary>N + M uninterrupted steps equal N steps, a save and a load, and M more steps, bit for bit, for several splits.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Resume_equals_uninterrupted(string combination, int n, int m)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var dir = new ScratchDirectory();
        var path = dir.File("resume.safetensors");
        var model = new Sequential(new Dense(4, 16), new Tanh(), new Dense(16, 8), new ReLU(), new Dense(8, 3));
        var optimizer = Optim.Adam(0.01);
        var data = Key.FromSeed(2024);
        var x = backend.FromArray(data.Fold(0).Normal(Samples * 4), new Shape(Samples, 4));
        var y = backend.FromArray(data.Fold(1).Normal(Samples * 3), new Shape(Samples, 3));
        var start = TrainState.Create(model, optimizer, Key.FromSeed(7), backend) with
        {
            LayerState = TensorTree.Of(("running_loss", backend.FromArray([0.0], Shape.Scalar))),
        };

        var uninterrupted = Train(start, n + m, model, optimizer, x, y);

        var first = Train(start, n, model, optimizer, x, y);
        Checkpoint.Save(path, first);
        var loaded = Checkpoint.Load(path, backend);
        Bits.Identical($"{combination}: the state loaded after {n} steps", first, loaded);
        var resumed = Train(loaded, m, model, optimizer, x, y);

        Bits.Identical($"{combination}: {n} + save/load + {m} steps against {n + m} uninterrupted", uninterrupted, resumed);
        Assert.Equal(n + m, resumed.Step);

        // Training moved the parameters: the comparison is not between two untouched states.
        Assert.NotEqual(start.Parameters["0.weight"].ToArray(), resumed.Parameters["0.weight"].ToArray());
    }

    /// <summary>Every backend combination with N in {1, 5} and M in {1, 7}.</summary>
    public static TheoryData<string, int, int> Cases
    {
        get
        {
            var data = new TheoryData<string, int, int>();
            foreach (string name in BackendCombinations.All)
            {
                data.Add(name, 1, 1);
                data.Add(name, 5, 7);
            }

            return data;
        }
    }

    /// <summary>
    /// <paramref name="steps"/> training steps: each draws its minibatch from the step's key, takes the MSE
    /// gradient, applies Adam, and updates the running loss average (layer state) as 0.9·r + 0.1·loss.
    /// </summary>
    private static TrainState Train(TrainState state, int steps, Layer model, Optimizer optimizer, Tensor x, Tensor y)
    {
        for (var i = 0; i < steps; i++)
        {
            var rows = state.StepKey.Permutation(Samples)[..Batch];
            var xb = x.Gather(rows);
            var yb = y.Gather(rows);
            var (loss, grads) = Grad.ValueAndGrad(p => Losses.MeanSquaredError(model.Apply(p, xb), yb), state.Parameters, requireFinite: true);
            var (parameters, optimizerState) = optimizer.Step(grads, state.OptimizerState, state.Parameters);
            var running = state.LayerState["running_loss"] * 0.9 + loss * 0.1;
            state = state with
            {
                Parameters = parameters,
                OptimizerState = optimizerState,
                LayerState = TensorTree.Of(("running_loss", running)),
                Step = state.Step + 1,
            };
        }

        return state;
    }
}

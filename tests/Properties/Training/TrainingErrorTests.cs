using Functional.Nets.Reference;
using Functional.Nets.Tests.Checkpoints;

namespace Functional.Nets.Tests.Training;

/// <summary>
/// Mistakes in multi-part training fail with messages that name what is wrong, what was expected and what was found:
/// an unknown part, an objective whose loss is not a scalar, state for no part, a checkpoint that lacks a part or a
/// leaf or has another shape, a multi-part file read as one model, and a supervised loss on a dataset of inputs only.
/// </summary>
public sealed class TrainingErrorTests
{
    private static readonly Backend Backend = ReferenceBackend.Instance;

    [Fact]
    public void An_update_of_an_unknown_part_names_it_and_the_parts()
    {
        using var data = ToyGan.Data(Backend, 32);
        var trainer = new MultiPartTrainer(new PartUpdate(ToyGan.GeneratorObjective, "critic"));
        var state = ToyGan.Create(Backend, 1);
        using var batch = ToyGan.BatchAt(state, data.Inputs, 8);
        var e = Assert.Throws<KeyNotFoundException>(() => trainer.Step(state, batch));
        Assert.Contains("'critic'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'generator', 'discriminator'", e.Message, StringComparison.Ordinal);

        Assert.Throws<KeyNotFoundException>(() => trainer.Fit(state, data));
        var lookup = Assert.Throws<KeyNotFoundException>(() => state["critic"]);
        Assert.Contains("'generator', 'discriminator'", lookup.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_objective_returning_a_non_scalar_loss_is_named_with_the_shape()
    {
        using var data = ToyGan.Data(Backend, 32);
        Objective logits = (p, s, batch, key) => new ObjectiveResult(ToyGan.Discriminator().Apply(p.Child("discriminator"), batch.Inputs), TensorTree.Empty);
        var trainer = new MultiPartTrainer(new PartUpdate(logits, "discriminator") { Label = "critic step" });
        var state = ToyGan.Create(Backend, 1);
        using var batch = ToyGan.BatchAt(state, data.Inputs, 8);
        var e = Assert.Throws<ShapeMismatchException>(() => trainer.Step(state, batch));
        Assert.Contains("'critic step'", e.Message, StringComparison.Ordinal);
        Assert.Contains("[8, 1]", e.Message, StringComparison.Ordinal);
        Assert.Contains("scalar", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void State_returned_for_no_part_is_named()
    {
        using var data = ToyGan.Data(Backend, 32);
        Objective stray = (p, s, batch, key) =>
            ToyGan.GeneratorObjective(p, s, batch, key) with { State = TensorTree.Of(("running_mean", Backend.FromArray([0.0], 1))) };
        var trainer = new MultiPartTrainer(new PartUpdate(stray, "generator"));
        var state = ToyGan.Create(Backend, 1);
        using var batch = ToyGan.BatchAt(state, data.Inputs, 8);
        var e = Assert.Throws<ArgumentException>(() => trainer.Step(state, batch));
        Assert.Contains("'running_mean'", e.Message, StringComparison.Ordinal);
        Assert.Contains("OnPart", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resuming_without_a_part_of_the_file_or_the_state_names_the_part()
    {
        using var dir = new ScratchDirectory();
        var path = dir.File("gan.safetensors");
        Checkpoint.Save(path, ToyGan.Create(Backend, 1));

        var critic = MultiPartState.Create(Key.FromSeed(1), Backend, ("generator", ToyGan.Generator(), Optim.Adam(1e-2)), ("critic", ToyGan.Discriminator(), Optim.Adam(1e-2)));
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, Backend, like: critic));
        Assert.Contains("'critic'", e.Message, StringComparison.Ordinal);
        Assert.Contains("the file's parts are generator, discriminator", e.Message, StringComparison.Ordinal);
        Assert.Contains("the state's generator, critic", e.Message, StringComparison.Ordinal);

        var generatorOnly = MultiPartState.Create(Key.FromSeed(1), Backend, ("generator", ToyGan.Generator(), Optim.Adam(1e-2)));
        var one = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, Backend, like: generatorOnly));
        Assert.Contains("'discriminator'", one.Message, StringComparison.Ordinal);

        var asModel = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, Backend));
        Assert.Contains("generator, discriminator", asModel.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resuming_with_a_missing_or_reshaped_leaf_names_part_leaf_and_shapes()
    {
        using var dir = new ScratchDirectory();
        var path = dir.File("gan.safetensors");
        Checkpoint.Save(path, ToyGan.Create(Backend, 1));

        var deeper = MultiPartState.Create(
            Key.FromSeed(1), Backend, ("generator", ToyGan.Generator(), Optim.Adam(1e-2)),
            ("discriminator", new Sequential(new Dense(1, 8), new Tanh(), new Dense(8, 1), new Tanh(), new Dense(1, 1)), Optim.Adam(1e-2)));
        var missing = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, Backend, like: deeper));
        Assert.Equal("discriminator.4.weight", missing.Leaf);
        Assert.Contains("part 'discriminator' expects the parameter '4.weight' (shape [1, 1])", missing.Message, StringComparison.Ordinal);
        Assert.Contains("discriminator.2.weight [1, 8]", missing.Message, StringComparison.Ordinal);

        var wider = MultiPartState.Create(
            Key.FromSeed(1), Backend, ("generator", ToyGan.Generator(), Optim.Adam(1e-2)),
            ("discriminator", new Sequential(new Dense(1, 16), new Tanh(), new Dense(16, 1)), Optim.Adam(1e-2)));
        var reshaped = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, Backend, like: wider));
        Assert.Equal("discriminator.0.weight", reshaped.Leaf);
        Assert.Contains("of shape [16, 1], the file has [8, 1]", reshaped.Message, StringComparison.Ordinal);

        var sgd = MultiPartState.Create(
            Key.FromSeed(1), Backend, ("generator", ToyGan.Generator(), Optim.Sgd(0.1, momentum: 0.9)), ("discriminator", ToyGan.Discriminator(), Optim.Adam(1e-2)));
        var optimizer = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, Backend, like: sgd));
        Assert.StartsWith("generator.optimizer.", optimizer.Leaf, StringComparison.Ordinal);
    }

    [Fact]
    public void A_supervised_loss_on_a_dataset_of_inputs_only_says_the_targets_are_absent()
    {
        using var data = new Dataset(Backend.FromArray(Key.FromSeed(2).Normal(16), 8, 2));
        var trainer = new Trainer(new Dense(2, 1), Losses.MeanSquaredError, Optim.Sgd(0.1));
        var state = trainer.Init(Key.FromSeed(3), Backend);
        using var batch = data.Batches(4, null).First();
        Assert.False(batch.HasTargets);
        var e = Assert.Throws<InvalidOperationException>(() => trainer.Step(state, batch));
        Assert.Contains("no targets", e.Message, StringComparison.Ordinal);
        Assert.Contains("new Dataset(inputs, targets)", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => trainer.Fit(state, data));
        Assert.Throws<InvalidOperationException>(() => data.Targets);
        Assert.Contains("no targets", data.ToString(), StringComparison.Ordinal);
        Assert.Equal(3, data.Slice(2, 3).Count);
    }

    [Fact]
    public void Part_names_that_would_clash_in_nested_trees_are_refused()
    {
        Assert.Throws<ArgumentException>(() => MultiPartState.Create(Key.FromSeed(1), Backend, ("gen.a", ToyGan.Generator(), Optim.Adam(1e-2))));
        Assert.Throws<ArgumentException>(() => MultiPartState.Create(
            Key.FromSeed(1), Backend, ("g", ToyGan.Generator(), Optim.Adam(1e-2)), ("g", ToyGan.Generator(), Optim.Adam(1e-2))));
        Assert.Throws<ArgumentException>(() => new PartUpdate(ToyGan.GeneratorObjective));
        Assert.Throws<InvalidOperationException>(() => ToyGan.Create(Backend, 1).ToTrainState());
    }
}

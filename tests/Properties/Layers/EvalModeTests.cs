using Functional.Nets.Serialization;
using Functional.Nets.Tests.Checkpoints;

namespace Functional.Nets.Tests.Layers;

/// <summary>
/// <see cref="EvalMode"/>: in training mode it computes exactly what its inner layer computes in evaluation mode (batch
/// norm on running statistics with its state returned unchanged, dropout off), it is transparent in names, gradients
/// still flow through it, and it round-trips through architecture JSON. On every backend combination.
/// </summary>
public sealed class EvalModeTests
{
    private static Sequential Inner() => new(new Dense(3, 5), new BatchNorm(5), new Dropout(0.5), new Tanh());

    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void In_training_mode_it_is_the_inner_layer_in_evaluation_mode(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var scope = backend.Scope();
        var inner = Inner();
        var layer = new EvalMode(inner);
        var parameters = layer.Init(Key.FromSeed(1), backend);
        Bits.Identical($"{combination}: transparent names", inner.Init(Key.FromSeed(1), backend), parameters);

        // Running statistics away from their initial values, so that using them is visible.
        var (_, state) = inner.Apply(parameters, inner.InitState(backend), backend.FromArray(Key.FromSeed(2).Normal(8 * 3), 8, 3), Context.Train(Key.FromSeed(3)));
        var x = backend.FromArray(Key.FromSeed(4).Normal(6 * 3), 6, 3);

        var (y, next) = layer.Apply(parameters, state, x, Context.Train(Key.FromSeed(5)));
        var (expected, _) = inner.Apply(parameters, state, x, Context.Eval);
        Bits.Identical($"{combination}: output", TensorTree.Of(("y", expected)), TensorTree.Of(("y", y)));
        Bits.Identical($"{combination}: state unchanged", state, next);
        Assert.False(layer.IsStochastic);
        Assert.True(layer.HasState);
        Assert.Equal(inner.ParameterCount, layer.ParameterCount);

        // Training mode would have used batch statistics and dropout: a different output.
        var (trained, _) = inner.Apply(parameters, state, x, Context.Train(Key.FromSeed(5)));
        Assert.NotEqual(expected.ToArray(), trained.ToArray());
    }

    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Gradients_flow_through_it_to_its_parameters(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var scope = backend.Scope();
        var layer = new EvalMode(Inner());
        var parameters = layer.Init(Key.FromSeed(6), backend);
        var state = layer.InitState(backend);
        var x = backend.FromArray(Key.FromSeed(7).Normal(4 * 3), 4, 3);
        var grads = Grad.Gradient(p => layer.Apply(p, state, x, Context.Train(Key.FromSeed(8))).Output.Sum(), parameters);
        Assert.Equal(parameters.Names, grads.Names);
        Assert.Contains(grads["0.weight"].ToArray(), g => g != 0);
    }

    [Fact]
    public void It_round_trips_through_architecture_json_and_shows_in_summaries_without_an_extra_segment()
    {
        var model = new Sequential(new EvalMode(new Sequential(new Dense(3, 4), new BatchNorm(4))), new Dense(4, 2));
        var json = ArchitectureJson.Serialize(model);
        Assert.Contains("\"EvalMode\"", json, StringComparison.Ordinal);
        Assert.Equal(json, ArchitectureJson.Serialize(ArchitectureJson.ParseModel(json)));

        var summary = ModelSummary.Of(model, new Shape(2, 3)).ToString();
        Assert.Contains("[0] EvalMode(", summary, StringComparison.Ordinal);
        Assert.Contains("[0.0] Dense(", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("[0.]", summary, StringComparison.Ordinal);
    }
}

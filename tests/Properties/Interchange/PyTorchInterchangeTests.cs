using Functional.Nets.Reference;
using Functional.Nets.Torch;
using Xunit.Abstractions;

namespace Functional.Nets.Tests.Interchange;

/// <summary>
/// Weights cross between Functional.Nets and PyTorch itself (Debian's python3-torch, run by <c>peer.py</c>, one process for
/// the whole class), both ways, over generated dense, convolutional and recurrent models in evaluation mode, in float64:
/// a checkpoint saved here loads into the same PyTorch module with <c>load_state_dict(strict=True)</c>, and a PyTorch
/// <c>state_dict</c> written as safetensors on the Python side loads here; in both directions the outputs agree within
/// 1e-12 relative (<see cref="RelativeError"/>). Skipped with a printed reason where PyTorch is not installed, failed
/// under CI (<c>CI=true</c>).
/// </summary>
public sealed class PyTorchInterchangeTests(PyTorchSession session, ITestOutputHelper output) : IClassFixture<PyTorchSession>
{
    /// <summary>The float64 output bound: both sides compute the same formulas in float64 in different orders.</summary>
    private const double Tolerance = 1e-12;

    /// <summary>Our checkpoint (parameters, layer state and Adam state) loads strictly into the module of the same architecture; its names are ours in order, and it computes our outputs.</summary>
    [SkippableTheory]
    [InlineData("dense")]
    [InlineData("conv")]
    [InlineData("recurrent")]
    public void Checkpoint_saved_here_loads_into_the_same_PyTorch_module(string family)
    {
        session.Require(output);
        var worst = new WorstSeen($"{family}: our checkpoint in PyTorch, output error");
        foreach (var c in session.Cases.Where(c => c.Family == family))
        {
            var (parameters, state, _, ours) = session.Ours[c.Name];
            var theirNames = session.Names(c);
            var ourNames = parameters.Names.Concat(state.Names).ToHashSet(StringComparer.Ordinal);
            Assert.True(ourNames.SetEquals(theirNames), $"{c}: ours [{string.Join(", ", parameters.Names.Concat(state.Names))}], PyTorch's state_dict [{string.Join(", ", theirNames)}]");
            Assert.Equal(parameters.Names, theirNames.Where(parameters.Contains));
            var (y, _) = SafeTensors.Read(session.PathOf(c, "ours_in_torch"), ReferenceBackend.Instance);
            worst.Record(Compare(c, "PyTorch on our checkpoint", ours, y["y"]), c.ToString);
        }

        output.WriteLine(worst.ToString());
    }

    /// <summary>PyTorch's own state_dict (its initialisation, random batch-norm statistics, int64 <c>num_batches_tracked</c>) loads strictly here on the Reference and Torch float64 backends and gives PyTorch's outputs.</summary>
    [SkippableTheory]
    [InlineData("dense")]
    [InlineData("conv")]
    [InlineData("recurrent")]
    public void PyTorch_state_dict_loads_here(string family)
    {
        session.Require(output);
        var worst = new WorstSeen($"{family}: PyTorch's state_dict here, output error");
        foreach (Backend backend in new Backend[] { ReferenceBackend.Instance, TorchBackend.CpuFloat64 })
        {
            foreach (var c in session.Cases.Where(c => c.Family == family))
            {
                using var scope = backend.Scope();
                var (parameters, state) = LoadStateDict(session.PathOf(c, "torch_state"), c.Model, backend);
                var x = session.Ours[c.Name].X.ToBackend(backend);
                var ours = c.Model.Apply(parameters, state, x, Context.Eval).Output;
                var (theirs, _) = SafeTensors.Read(session.PathOf(c, "torch_out"), ReferenceBackend.Instance);
                worst.Record(Compare(c, $"ours on {backend} with PyTorch's state_dict", ours, theirs["y"]), () => $"{backend}: {c}");
            }
        }

        output.WriteLine(worst.ToString());
    }

    /// <summary>
    /// How a user loads a PyTorch state_dict saved as safetensors: the file's entries that name layer state (running
    /// statistics) go to <see cref="Layer.InitState"/>'s tree, the rest to <see cref="Layer.Init"/>'s, each loaded strictly
    /// (any missing, unexpected or reshaped leaf throws).
    /// </summary>
    private static (TensorTree Parameters, TensorTree State) LoadStateDict(string path, Layer model, Backend backend)
    {
        var like = model.Init(Key.FromSeed(0), backend);
        var likeState = model.InitState(backend);
        var (file, _) = SafeTensors.Read(path, backend);
        var (stateLeaves, parameterLeaves) = file.Partition(likeState.Contains);
        return (like.LoadStateDict(parameterLeaves).Tree, likeState.LoadStateDict(stateLeaves).Tree);
    }

    private static double Compare(InterchangeCase c, string what, Tensor ours, Tensor theirs)
    {
        Assert.True(ours.Shape == theirs.Shape, $"{c}: {what}: our output {ours.Shape}, PyTorch's {theirs.Shape}");
        var e = RelativeError.Of(ours.ToArray(), theirs.ToArray());
        Assert.True(e.Value <= Tolerance, $"{c}: {what}: relative error {e.Value:G3} > {Tolerance:G0} (entry {e.WorstIndex}: ours {e.A:R}, PyTorch {e.B:R})");
        return e.Value;
    }
}

/// <summary>The generated interchange cases draw every layer kind the README's interchange table says is tested with PyTorch.</summary>
public sealed class InterchangeCoverageTests
{
    /// <summary>Each kind (and batch norm in both its 1-d and 2-d forms, Padding kinds, both recurrent layouts) occurs in some case.</summary>
    [Fact]
    public void Cases_cover_every_layer_kind_of_the_table()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in InterchangeCases.All())
        {
            var json = System.Text.Json.Nodes.JsonNode.Parse(Functional.Nets.Serialization.ArchitectureJson.Serialize(c.Model))!;
            Walk(json, c.Family);
        }

        string[] expected =
        [
            "Dense", "Identity", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU", "Softmax", "LogSoftmax", "Dropout", "Dropout2d",
            "BatchNorm@dense", "BatchNorm@conv", "Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "Flatten", "Rnn", "Lstm", "Gru",
            "padding=None", "padding=Half", "padding=Full", "padding=Explicit", "batchFirst=true", "batchFirst=false", "bidirectional=true",
        ];
        var missing = expected.Where(e => !seen.Contains(e)).ToList();
        Assert.True(missing.Count == 0, $"the interchange cases never draw: {string.Join(", ", missing)}");

        void Walk(System.Text.Json.Nodes.JsonNode node, string family)
        {
            if (node is System.Text.Json.Nodes.JsonObject o)
            {
                if (o["type"]?.GetValue<string>() is { } type)
                {
                    seen.Add(type);
                    seen.Add($"{type}@{family}");
                }

                foreach (var field in new[] { "padding", "batchFirst", "bidirectional" })
                {
                    if (o[field] is System.Text.Json.Nodes.JsonValue v && v.ToJsonString().Trim('"') is var text)
                    {
                        seen.Add($"{field}={text}");
                    }
                }

                foreach (var (_, child) in o)
                {
                    if (child is not null)
                    {
                        Walk(child, family);
                    }
                }
            }
            else if (node is System.Text.Json.Nodes.JsonArray a)
            {
                foreach (var child in a.OfType<System.Text.Json.Nodes.JsonNode>())
                {
                    Walk(child, family);
                }
            }
        }
    }
}

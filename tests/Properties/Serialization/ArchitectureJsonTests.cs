using Functional.Nets.Reference;
using Functional.Nets.Serialization;

namespace Functional.Nets.Tests.Serialization;

/// <summary>
/// Architecture JSON: generated models round-trip (serialize → parse → serialize gives the same text, and the
/// parsed model initializes to bit-identical parameters and state from the same key), every registered layer
/// kind is covered, and the example files read.
/// </summary>
public sealed class ArchitectureJsonTests
{
    /// <summary>Serialize → parse → serialize is the identity on the text, over generated architectures.</summary>
    [Fact]
    public void Serialize_parse_serialize_gives_the_same_text()
    {
        Law.Check(ArchitectureCase.Arbitrary, spec =>
        {
            var json = ArchitectureJson.Serialize(spec);
            var again = ArchitectureJson.Serialize(ArchitectureJson.Parse(json));
            if (again != json)
            {
                throw new LawViolation($"round trip changed the text:\n{json}\n---\n{again}");
            }
        }, cases: 300);
    }

    /// <summary>The parsed model has the same parameters, state and root fields as the original.</summary>
    [Fact]
    public void Parsed_model_initializes_to_identical_parameters()
    {
        Law.Check(ArchitectureCase.Arbitrary, spec =>
        {
            var json = ArchitectureJson.Serialize(spec);
            var parsed = ArchitectureJson.Parse(json);
            var key = Key.FromSeed(json.Length);
            var backend = ReferenceBackend.Instance;
            Same("parameters", spec.Model.Init(key, backend), parsed.Model.Init(key, backend), json);
            Same("state", spec.Model.InitState(backend), parsed.Model.InitState(backend), json);
            if (parsed.Model.Describe() != spec.Model.Describe() || parsed.Model.ParameterCount != spec.Model.ParameterCount)
            {
                throw new LawViolation($"parsed {parsed.Model.Describe()} ({parsed.Model.ParameterCount}) differs from {spec.Model.Describe()} ({spec.Model.ParameterCount}):\n{json}");
            }

            if (parsed.Loss != spec.Loss || parsed.Input != spec.Input || parsed.Description != spec.Description)
            {
                throw new LawViolation($"root fields differ: {parsed.Loss}/{parsed.Input}/{parsed.Description} vs {spec.Loss}/{spec.Input}/{spec.Description}:\n{json}");
            }
        }, cases: 200);
    }

    /// <summary>Every layer type the default registry knows is written and read back, and every built-in layer class has a type.</summary>
    [Fact]
    public void Every_registered_layer_kind_round_trips()
    {
        var seen = new HashSet<string>();
        foreach (var layer in ArchitectureCase.OneOfEach)
        {
            var json = ArchitectureJson.Serialize(layer);
            Assert.Equal(json, ArchitectureJson.Serialize(ArchitectureJson.ParseModel(json)));
            seen.Add(System.Text.Json.Nodes.JsonNode.Parse(json)!["type"]!.GetValue<string>());
        }

        Assert.Equal(ArchitectureRegistry.Default.LayerTypes.Order(), seen.Order());
        var layerClasses = typeof(Layer).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(Layer)) && t.IsPublic && !t.IsAbstract);
        var missing = layerClasses.Where(t => !ArchitectureRegistry.Default.CanWrite(t)).Select(t => t.Name).ToArray();

        // Not in the format on purpose: CustomActivation holds a delegate (a user's op).
        string[] exempt = ["CustomActivation"];
        Assert.True(
            missing.All(exempt.Contains),
            $"layers without an architecture JSON entry (add one line to src/Functional.Nets/Serialization/BuiltInKinds.cs): {string.Join(", ", missing.Except(exempt))}");
    }

    /// <summary>A hand-written file with defaults omitted, comments, trailing commas and a BOM reads as expected.</summary>
    [Fact]
    public void Defaults_comments_and_short_forms_are_read()
    {
        var json = "\uFEFF" + """
            // the XOR network
            {
              "loss": "BinaryCrossEntropy",
              "type": "Sequential",
              "layers": [
                { "type": "Dense", "inputs": 2, "outputs": 2, "weightInit": "Zeros" },   /* bias defaults to true */
                { "type": "LeakyReLU" },
                { "type": "Dense", "inputs": 2, "outputs": 1, "bias": false, "weightInit": { "type": "Normal", "std": 0.5 }, },
              ],
            }
            """;
        var spec = ArchitectureJson.Parse(json);
        var model = Assert.IsType<Sequential>(spec.Model);
        var first = Assert.IsType<Dense>(model.Layers[0]);
        Assert.True(first.HasBias);
        Assert.Equal("Zeros", first.WeightInit.Kind);
        Assert.Equal("TorchDefault", first.BiasInit.Kind);
        Assert.Equal(0.01, Assert.IsType<LeakyReLU>(model.Layers[1]).Alpha);
        var last = Assert.IsType<Dense>(model.Layers[2]);
        Assert.False(last.HasBias);
        Assert.Equal("Normal", last.WeightInit.Kind);
        Assert.Equal(new Shape(2), spec.InputShape());
        Assert.Equal(ModelLoss.BinaryCrossEntropy, spec.EffectiveLoss);
    }

    /// <summary>The example files in examples/models read and describe the networks they claim.</summary>
    [Fact]
    public void Example_model_files_read()
    {
        var xor = ArchitectureJson.Load(RepositoryFiles.Path("examples/models/xor.json"));
        Assert.Equal(9, xor.Model.ParameterCount);
        Assert.Equal(ModelLoss.BinaryCrossEntropy, xor.Loss);
        Assert.Equal(new Shape(4, 1), xor.Model.OutputShape(new Shape(4, 2)));

        var mnist = ArchitectureJson.Load(RepositoryFiles.Path("examples/models/mnist-mlp.json"));
        Assert.Equal(784 * 128 + 128 + 128 * 10 + 10, mnist.Model.ParameterCount);
        Assert.Equal(ModelLoss.SoftmaxCrossEntropy, mnist.Loss);
        Assert.Equal(new Shape(1, 10), mnist.Model.OutputShape(new Shape([1, .. mnist.InputShape().Dims])));
    }

    /// <summary>A user's own layer joins the format through a registry entry; without one, writing it says how to add it.</summary>
    [Fact]
    public void User_layers_join_through_the_registry()
    {
        var model = new Sequential(new Dense(2, 3), new Scaled(2.5));
        var error = Assert.Throws<NotSupportedException>(() => ArchitectureJson.Serialize(model));
        Assert.Contains("ArchitectureRegistry.With(LayerKind.Of<Scaled>", error.Message, StringComparison.Ordinal);

        var registry = ArchitectureRegistry.Default.With(LayerKind.Of<Scaled>("Scaled", r => new Scaled(r.Double("factor")), (s, w) => w.Double("factor", s.Factor)));
        var json = ArchitectureJson.Serialize(model, registry);
        Assert.Contains("\"factor\": 2.5", json, StringComparison.Ordinal);
        var parsed = (Sequential)ArchitectureJson.ParseModel(json, registry);
        Assert.Equal(2.5, Assert.IsType<Scaled>(parsed.Layers[1]).Factor);
        Assert.Contains("Scaled", registry.LayerTypes);
        Assert.DoesNotContain("Scaled", ArchitectureRegistry.Default.LayerTypes);

        var unknown = Assert.Throws<ArchitectureFormatException>(() => ArchitectureJson.ParseModel(json));
        Assert.Contains("unknown layer type 'Scaled'", unknown.Message, StringComparison.Ordinal);
    }

    private static void Same(string what, TensorTree a, TensorTree b, string json)
    {
        if (!a.Names.SequenceEqual(b.Names))
        {
            throw new LawViolation($"{what}: leaves [{string.Join(", ", a.Names)}] vs [{string.Join(", ", b.Names)}]:\n{json}");
        }

        foreach (var (name, t) in a)
        {
            var u = b[name];
            if (t.Shape != u.Shape || !t.ToArray().SequenceEqual(u.ToArray()))
            {
                throw new LawViolation($"{what}: leaf '{name}' differs after the round trip:\n{json}");
            }
        }
    }

    /// <summary>A user-defined layer for the registry test: y = factor·x.</summary>
    private sealed class Scaled(double factor) : Activation
    {
        public double Factor => factor;

        public override Tensor Forward(Tensor x) => x * factor;

        public override string Describe() => $"Scaled({factor})";
    }
}

using System.Text.Json;
using Functional.Nets.Cli;
using Functional.Nets.Serialization;

namespace Functional.Nets.Tests.Cli;

/// <summary>
/// <c>fnets</c> called in-process: exit codes (0 passed, 1 failed, 2 bad input), the table and the JSON,
/// and the error messages for bad files and command lines.
/// </summary>
public sealed class FnetsCommandTests
{
    private static readonly string Xor = RepositoryFiles.Path("examples/models/xor.json");
    private static readonly string Mnist = RepositoryFiles.Path("examples/models/mnist-mlp.json");
    private static readonly string Cnn = RepositoryFiles.Path("examples/models/cnn.json");
    private static readonly string ResNetSe = RepositoryFiles.Path("examples/models/resnet-se.json");

    /// <summary>The README's command: the XOR network passes on every backend.</summary>
    [Fact]
    public void Xor_passes_on_every_backend()
    {
        var (code, output, error) = Run("gradcheck", Xor);
        Assert.True(code == ExitCode.Passed, output + error);
        Assert.Contains("reference vs finite differences", output, StringComparison.Ordinal);
        Assert.Contains("torch64 vs reference", output, StringComparison.Ordinal);
        Assert.Contains("torch32 vs reference", output, StringComparison.Ordinal);
        Assert.Contains("PASSED", output, StringComparison.Ordinal);
        Assert.DoesNotContain("SKIPPED", output, StringComparison.Ordinal);
        Assert.Empty(error);
    }

    /// <summary>The MNIST MLP in fast mode passes, and --json gives a document a machine can read.</summary>
    [Fact]
    public void Mnist_fast_json_passes()
    {
        var (code, output, _) = Run("gradcheck", Mnist, "--fast", "--json", "--seed", "3", "--batch", "2");
        Assert.Equal(ExitCode.Passed, code);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("passed").GetBoolean());
        Assert.Equal(101_770, root.GetProperty("parameters").GetInt64());
        Assert.Equal("SoftmaxCrossEntropy", root.GetProperty("loss").GetString());
        Assert.Equal("fast", root.GetProperty("mode").GetString());
        var checks = root.GetProperty("checks").EnumerateArray().ToArray();
        Assert.Equal(["reference", "torch64", "torch32"], checks.Select(c => c.GetProperty("backend").GetString()));
        Assert.All(checks, c => Assert.True(c.GetProperty("report").GetProperty("passed").GetBoolean()));
    }

    /// <summary>
    /// The convolutional files pass on every backend in training mode (batch norm on batch statistics): a CNN with
    /// max pooling, and a ResNet basic block with squeeze-and-excitation. ReLU and max-pool kinks are set aside, not tolerated.
    /// </summary>
    [Theory]
    [InlineData("cnn")]
    [InlineData("resnet-se")]
    public void Convolutional_models_pass_on_every_backend(string name)
    {
        var (code, output, error) = Run("gradcheck", name == "cnn" ? Cnn : ResNetSe, "--batch", "3");
        Assert.True(code == ExitCode.Passed, output + error);
        Assert.Contains("reference vs finite differences", output, StringComparison.Ordinal);
        Assert.Contains("torch64 vs reference", output, StringComparison.Ordinal);
        Assert.Contains("torch32 vs reference", output, StringComparison.Ordinal);
        Assert.DoesNotContain("SKIPPED", output, StringComparison.Ordinal);
        Assert.Empty(error);
    }

    /// <summary>A planted wrong derivative (σ instead of σ(1 − σ)) fails the check: exit code 1, the leaves named.</summary>
    [Fact]
    public void A_wrong_derivative_fails_with_exit_code_1()
    {
        var registry = ArchitectureRegistry.Default.With(LayerKind.Plain<PlantedSigmoid>("PlantedSigmoid"));
        var path = TempFile("""
            { "type": "Sequential", "layers": [
                { "type": "Dense", "inputs": 3, "outputs": 4 }, { "type": "PlantedSigmoid" }, { "type": "Dense", "inputs": 4, "outputs": 2 } ] }
            """);
        try
        {
            var (code, output, _) = Run(registry, "gradcheck", path, "--backend", "reference");
            Assert.Equal(ExitCode.Failed, code);
            Assert.Contains("FAIL", output, StringComparison.Ordinal);
            Assert.Contains("0.weight", output, StringComparison.Ordinal);
            Assert.StartsWith("FAILED", output.TrimEnd().Split('\n')[^1], StringComparison.Ordinal);

            // libtorch differentiates the op's composed form itself, so it disagrees with the planted VJP too.
            (code, output, _) = Run(registry, "gradcheck", path, "--backend", "torch64", "--json");
            Assert.Equal(ExitCode.Failed, code);
            Assert.False(JsonDocument.Parse(output).RootElement.GetProperty("passed").GetBoolean());
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Bad input exits with 2 and says why on stderr; nothing on stdout.</summary>
    [Theory]
    [InlineData("{ \"type\": \"Sequential\", \"layers\": [ { \"type\": \"Dense\", \"inputs\": 2, \"outputs\": 2 } { \"type\": \"ReLU\" } ] }", ": at $.layers[1]: malformed JSON: '{' is invalid after a value")]
    [InlineData("{ \"type\": \"Sequential\", \"layers\": [ { \"type\": \"Dense\", \"inputs\": 2, \"outputs\": 2 }, { \"type\": \"Relu\" } ] }", "at $.layers[1].type: unknown layer type 'Relu' (did you mean 'ReLU'?); known: AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, BatchNorm, Branches, Conv1d, Conv2d")]
    [InlineData("{ \"type\": \"Sequential\", \"layers\": [ { \"type\": \"Dense\", \"inputs\": 2, \"outputs\": 3 }, { \"type\": \"Dense\", \"inputs\": 2, \"outputs\": 1 } ] }", "Dense(2→1) at [1]: expected input [*, 2], got [4, 3]")]
    [InlineData("{ \"type\": \"ReLU\" }", "cannot be inferred")]
    [InlineData("{ \"loss\": \"BinaryCrossEntropy\", \"type\": \"Dense\", \"inputs\": 3, \"outputs\": 2, \"weightInit\": { \"type\": \"Constant\", \"value\": 5 } }", "does the model end in a Sigmoid?")]
    [InlineData("{ \"loss\": \"SoftmaxCrossEntropy\", \"input\": [2, 3], \"type\": \"Dense\", \"inputs\": 3, \"outputs\": 2 }", "SoftmaxCrossEntropy needs outputs [N, C]")]
    public void Bad_model_files_exit_with_2(string json, string phrase)
    {
        var path = TempFile(json);
        try
        {
            var (code, output, error) = Run("gradcheck", path);
            Assert.Equal(ExitCode.BadInput, code);
            Assert.Contains(phrase, error, StringComparison.Ordinal);
            Assert.Empty(output);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Bad command lines exit with 2.</summary>
    [Theory]
    [InlineData("no command", new string[0])]
    [InlineData("unknown command 'check'", new[] { "check", "x.json" })]
    [InlineData("gradcheck needs a model file", new[] { "gradcheck" })]
    [InlineData("no such file", new[] { "gradcheck", "does-not-exist.json" })]
    [InlineData("unknown option '--fats'", new[] { "gradcheck", "x.json", "--fats" })]
    [InlineData("--backend must be reference, torch64, torch32 or all", new[] { "gradcheck", "x.json", "--backend", "cuda" })]
    [InlineData("--batch needs a positive integer", new[] { "gradcheck", "x.json", "--batch", "0" })]
    [InlineData("--seed needs an integer", new[] { "gradcheck", "x.json", "--seed" , "one" })]
    [InlineData("option --seed needs a value", new[] { "gradcheck", "x.json", "--seed" })]
    public void Bad_command_lines_exit_with_2(string phrase, string[] args)
    {
        var (code, output, error) = Run(args);
        Assert.Equal(ExitCode.BadInput, code);
        if (args.Length == 0)
        {
            Assert.Contains("commands:", output, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains(phrase, error, StringComparison.Ordinal);
        }
    }

    /// <summary>--help prints usage and exits with 0; summary prints the layers.</summary>
    [Fact]
    public void Help_and_summary_exit_with_0()
    {
        var (code, output, _) = Run("gradcheck", "--help");
        Assert.Equal(ExitCode.Passed, code);
        Assert.Contains("exit codes: 0 passed, 1 a check failed, 2 bad input", output, StringComparison.Ordinal);
        (code, output, _) = Run("summary", Mnist);
        Assert.Equal(ExitCode.Passed, code);
        Assert.Contains("101,770", output, StringComparison.Ordinal);
        Assert.Contains("loss: SoftmaxCrossEntropy", output, StringComparison.Ordinal);
    }

    /// <summary>Rich output (Spectre.Console) carries the same verdict.</summary>
    [Fact]
    public void Rich_output_renders_a_table()
    {
        var output = new StringWriter();
        var code = FnetsCommand.Run(["gradcheck", Xor, "--backend", "reference"], output, new StringWriter(), rich: true);
        Assert.Equal(ExitCode.Passed, code);
        Assert.Contains("0.weight", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("PASSED", output.ToString(), StringComparison.Ordinal);
    }

    private static (int Code, string Output, string Error) Run(params string[] args) => Run(null, args);

    private static (int Code, string Output, string Error) Run(ArchitectureRegistry? registry, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = FnetsCommand.Run(args, output, error, rich: false, registry);
        return (code, output.ToString(), error.ToString());
    }

    private static string TempFile(string json)
    {
        var path = Path.Combine(Path.GetTempPath(), $"fnets-test-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    /// <summary>A sigmoid whose hand-written derivative is σ instead of σ(1 − σ): a planted chain-rule error.</summary>
    private sealed class PlantedSigmoid : Activation
    {
        private static readonly CustomOp Op = CustomOp.Elementwise(
            "planted-sigmoid",
            forward: x => 1 / (1 + Math.Exp(-x)),
            derivative: (_, y) => y,
            compose: x => x.Sigmoid());

        public override Tensor Forward(Tensor x) => Op.Apply(x);

        public override string Describe() => "PlantedSigmoid";
    }
}

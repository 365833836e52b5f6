using System.Text.Json;
using System.Text.Json.Nodes;
using Functional.Nets.Reference;
using Functional.Nets.Serialization;
using Xunit.Abstractions;

namespace Functional.Nets.Tests.Interchange;

/// <summary>
/// One PyTorch process for all interchange cases (an xunit class fixture): writes every generated model's checkpoint
/// (<see cref="Checkpoint.Save(string, TrainState, IReadOnlyDictionary{string, string}?)"/>, with Adam state, which the
/// Python side must leave out) and input into a temporary folder with a manifest, runs <c>peer.py</c> once, and keeps
/// our outputs for the tests to compare. Python is started only if PyTorch imports; otherwise <see cref="Missing"/> says why.
/// </summary>
public sealed class PyTorchSession : IDisposable
{
    /// <summary>Creates the session: probes PyTorch and, if present, runs every case through it.</summary>
    public PyTorchSession()
    {
        (TorchVersion, Missing) = PythonTorch.Probe();
        Cases = InterchangeCases.All();
        if (Missing is not null)
        {
            return;
        }

        Folder = Directory.CreateTempSubdirectory("fnets-interchange-").FullName;
        var backend = ReferenceBackend.Instance;
        var manifest = new JsonArray();
        foreach (var c in Cases)
        {
            var (parameters, state) = Weights(c, backend);
            var x = backend.FromArray(Key.FromSeed(c.Seed).Fold(3).Normal(checked((int)c.Input.Size)), c.Input);
            var ours = c.Model.Apply(parameters, state, x, Context.Eval).Output;
            Ours[c.Name] = (parameters, state, x, ours);
            var optimizer = Optim.Adam(1e-3).Init(parameters);
            Checkpoint.Save(Path.Combine(Folder, $"{c.Name}.checkpoint.safetensors"), new TrainState(parameters, state, optimizer, 17, Key.FromSeed(c.Seed)));
            SafeTensors.Write(Path.Combine(Folder, $"{c.Name}.input.safetensors"), TensorTree.Of(("x", x)));
            manifest.Add(new JsonObject
            {
                ["name"] = c.Name,
                ["seed"] = c.Seed,
                ["model"] = JsonNode.Parse(ArchitectureJson.Serialize(c.Model)),
                ["input"] = $"{c.Name}.input.safetensors",
                ["checkpoint"] = $"{c.Name}.checkpoint.safetensors",
                ["ours_in_torch"] = $"{c.Name}.ours_in_torch.safetensors",
                ["torch_state"] = $"{c.Name}.torch_state.safetensors",
                ["torch_out"] = $"{c.Name}.torch_out.safetensors",
            });
        }

        var manifestPath = Path.Combine(Folder, "manifest.json");
        File.WriteAllText(manifestPath, new JsonObject { ["cases"] = manifest }.ToJsonString());
        var script = Path.Combine(AppContext.BaseDirectory, "Interchange", "peer.py");
        var started = DateTime.UtcNow;
        var (code, stdout, stderr) = PythonTorch.Run([script, manifestPath], TimeSpan.FromMinutes(10));
        PythonSeconds = (DateTime.UtcNow - started).TotalSeconds;
        if (code != 0)
        {
            Failure = $"{PythonTorch.Interpreter} {script} failed (exit {code}):\n{stdout}\n{stderr}";
            return;
        }

        Results = JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, "results.json")))!.AsObject();
    }

    /// <summary>PyTorch's version (<c>torch.__version__</c>), or null if it is missing.</summary>
    public string? TorchVersion { get; }

    /// <summary>Why PyTorch cannot be used, or null.</summary>
    public string? Missing { get; }

    /// <summary>Why the Python process failed as a whole, or null.</summary>
    public string? Failure { get; }

    /// <summary>Seconds the one Python process took (all cases, both directions).</summary>
    public double PythonSeconds { get; }

    /// <summary>The cases.</summary>
    public IReadOnlyList<InterchangeCase> Cases { get; }

    /// <summary>The folder of the exchanged files.</summary>
    public string Folder { get; } = "";

    /// <summary>Our parameters, state, input and evaluation-mode output (Reference backend) by case name.</summary>
    public Dictionary<string, (TensorTree Parameters, TensorTree State, Tensor X, Tensor Output)> Ours { get; } = [];

    private JsonObject? Results { get; }

    /// <summary>
    /// Fails (under CI, <c>CI=true</c>) or skips with the printed reason (elsewhere) when PyTorch is missing; fails when the
    /// Python process itself failed. Never skips silently.
    /// </summary>
    public void Require(ITestOutputHelper output)
    {
        if (Missing is not null)
        {
            if (PythonTorch.UnderCi)
            {
                throw new InvalidOperationException(
                    $"PyTorch interchange cannot run: {Missing}. Under CI (CI=true) PyTorch is required: .ci/run installs python3-torch.");
            }

            output.WriteLine($"SKIPPED: {Missing}");
            Skip.If(true, $"PyTorch interchange skipped outside CI: {Missing}");
        }

        if (Failure is not null)
        {
            throw new InvalidOperationException(Failure);
        }

        output.WriteLine($"PyTorch {TorchVersion} via {PythonTorch.Interpreter}: {Cases.Count} cases in one process, {PythonSeconds:F1} s");
    }

    /// <summary>The Python side's names for <paramref name="c"/> (its module's state_dict keys), or an exception quoting its traceback.</summary>
    public IReadOnlyList<string> Names(InterchangeCase c)
    {
        var result = Results!["cases"]?[c.Name]?.AsObject() ?? throw new InvalidOperationException($"{c}: peer.py reported nothing");
        if (result["error"] is { } error)
        {
            throw new InvalidOperationException($"{c}: PyTorch failed:\n{error.GetValue<string>()}");
        }

        return result["names"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
    }

    /// <summary>The path of one of <paramref name="c"/>'s exchanged files (<c>ours_in_torch</c>, <c>torch_state</c>, <c>torch_out</c>).</summary>
    public string PathOf(InterchangeCase c, string what) => Path.Combine(Folder, $"{c.Name}.{what}.safetensors");

    /// <inheritdoc />
    public void Dispose()
    {
        if (Folder.Length > 0 && Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }

    /// <summary>
    /// Our weights for <paramref name="c"/>: the layers' own initialisation, then batch norms given weights in [0.5, 1.5),
    /// biases N(0, 0.5²), running means N(0, 1), running variances in [0.5, 2) and a batch count, so that evaluation
    /// mode uses every leaf.
    /// </summary>
    private static (TensorTree Parameters, TensorTree State) Weights(InterchangeCase c, Backend backend)
    {
        var key = Key.FromSeed(c.Seed);
        var parameters = c.Model.Init(key.Fold(1), backend);
        var state = c.Model.InitState(backend);
        var norms = state.Names.Where(n => n.EndsWith(".running_mean", StringComparison.Ordinal))
            .Select(n => n[..^".running_mean".Length]).ToHashSet(StringComparer.Ordinal);
        var k = 10UL;
        Tensor Random(Tensor like, Func<Key, int, double[]> values) =>
            backend.FromArray(values(key.Fold(k++), checked((int)like.Shape.Size)), like.Shape);
        parameters = parameters.Map((name, t) =>
            !norms.Contains(Owner(name)) ? t
            : name.EndsWith(".weight", StringComparison.Ordinal) ? Random(t, (q, n) => q.Uniform(n, 0.5, 1.5))
            : Random(t, (q, n) => q.Normal(n).Select(v => 0.5 * v).ToArray()));
        state = state.Map((name, t) => name.EndsWith(".running_mean", StringComparison.Ordinal) ? Random(t, (q, n) => q.Normal(n))
            : name.EndsWith(".running_var", StringComparison.Ordinal) ? Random(t, (q, n) => q.Uniform(n, 0.5, 2.0))
            : backend.FromArray([5 + (c.Seed % 100)], t.Shape));
        return (parameters, state);
    }

    private static string Owner(string leaf) => leaf.LastIndexOf('.') is var dot and >= 0 ? leaf[..dot] : "";
}

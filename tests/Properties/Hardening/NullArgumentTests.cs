using System.Reflection;

namespace Functional.Nets.Tests.Hardening;

/// <summary>
/// Issue 11, point 9: every public constructor of the core library and of the Reference, Torch and ONNX assemblies,
/// handed null for a parameter its signature declares non-nullable (the other arguments null or zero), answers with an
/// <see cref="ArgumentException"/> naming one of its parameters (<see cref="ArgumentNullException"/> for the null, or
/// <see cref="ArgumentOutOfRangeException"/> for a zero checked first). Accepting the null fails, as does a
/// <see cref="NullReferenceException"/> or another error from inside. (Functional.Nets.Reporting's only public
/// constructor, <c>ProgressDisplay</c>, takes nullable parameters only.)
/// </summary>
public sealed class NullArgumentTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>The assemblies whose public constructors are tried, by a type each holds.</summary>
    public static TheoryData<string> Assemblies => new() { "core", "reference", "torch", "onnx" };

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void Public_constructors_name_a_null_argument(string which)
    {
        var assembly = which switch
        {
            "core" => typeof(Layer).Assembly,
            "reference" => typeof(Functional.Nets.Reference.ReferenceBackend).Assembly,
            "torch" => typeof(Functional.Nets.Torch.TorchBackend).Assembly,
            _ => typeof(Functional.Nets.Onnx.OnnxExport).Assembly,
        };
        var nullability = new NullabilityInfoContext();
        var tried = 0;
        var failures = new List<string>();
        foreach (var type in assembly.GetExportedTypes().Where(t => !t.IsAbstract && !t.IsGenericTypeDefinition && !typeof(Delegate).IsAssignableFrom(t) && !typeof(Exception).IsAssignableFrom(t)))
        {
            foreach (var ctor in type.GetConstructors())
            {
                var parameters = ctor.GetParameters();
                var signature = $"{type.Name}({string.Join(", ", parameters.Select(q => q.Name))})";
                for (var i = 0; i < parameters.Length; i++)
                {
                    var p = parameters[i];
                    if (p.ParameterType.IsValueType || nullability.Create(p).WriteState != NullabilityState.NotNull)
                    {
                        continue;
                    }

                    tried++;
                    var args = parameters.Select(q => q.ParameterType.IsValueType ? Activator.CreateInstance(q.ParameterType) : null).ToArray();
                    try
                    {
                        ctor.Invoke(args);
                        failures.Add($"{signature}: null {p.Name} accepted");
                    }
                    catch (TargetInvocationException e) when (e.InnerException is ArgumentException a)
                    {
                        // The exception must name a parameter of this constructor (records name the property, spelt the same).
                        if (!parameters.Any(q => string.Equals(q.Name, a.ParamName, StringComparison.OrdinalIgnoreCase)))
                        {
                            failures.Add($"{signature}: null {p.Name} gave {a.GetType().Name} naming '{a.ParamName}', not a parameter: {a.Message}");
                        }
                    }
                    catch (TargetInvocationException e)
                    {
                        failures.Add($"{signature}: null {p.Name} gave {e.InnerException!.GetType().Name}: {e.InnerException.Message}");
                    }
                }
            }
        }

        output.WriteLine($"{which}: {tried} constructor parameters tried with null: {tried - failures.Count} clear errors, {failures.Count} accepted or other exceptions");
        foreach (var f in failures)
        {
            output.WriteLine(f);
        }

        Assert.True(tried > 0 || which != "core", "no constructor parameter was tried");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public void A_with_expression_setting_null_is_refused_too()
    {
        // The checks sit in the properties' init accessors, which `with` runs on the copy.
        var metric = new Metric("loss", 1);
        Assert.Equal("Name", Assert.Throws<ArgumentNullException>(() => metric with { Name = null! }).ParamName);
        var images = new IdxImages("images.idx", 0, 28, 28, []);
        Assert.Equal("Pixels", Assert.Throws<ArgumentNullException>(() => images with { Pixels = null! }).ParamName);
        Assert.Equal("images.idx", (images with { Count = 0 }).Path);
    }
}

using System.Reflection;

namespace Functional.Nets.Tests.Hardening;

/// <summary>
/// Issue 11, point 9: every public constructor of the core library, handed null for a parameter its signature declares
/// non-nullable (the other arguments null or zero), answers with an <see cref="ArgumentException"/> (null or out of
/// range, naming a parameter) or accepts it, never a <see cref="NullReferenceException"/> or another runtime error from
/// inside. Positional records that only carry values (report rows, entries, results) still accept null without a
/// check; they are counted and listed in the output, not failed (a check in each would be the next step).
/// </summary>
public sealed class NullArgumentTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void Public_constructors_name_a_null_argument()
    {
        var nullability = new NullabilityInfoContext();
        var tried = 0;
        var failures = new List<string>();
        var accepted = new List<string>();
        foreach (var type in typeof(Layer).Assembly.GetExportedTypes().Where(t => !t.IsAbstract && !t.IsGenericTypeDefinition && !typeof(Delegate).IsAssignableFrom(t) && !typeof(Exception).IsAssignableFrom(t)))
        {
            foreach (var ctor in type.GetConstructors())
            {
                var parameters = ctor.GetParameters();
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
                        accepted.Add($"{type.Name}({string.Join(", ", parameters.Select(q => q.Name))}): null {p.Name} accepted");
                    }
                    catch (TargetInvocationException e) when (e.InnerException is ArgumentException)
                    {
                    }
                    catch (TargetInvocationException e)
                    {
                        failures.Add($"{type.Name}({string.Join(", ", parameters.Select(q => q.Name))}): null {p.Name} gave {e.InnerException!.GetType().Name}: {e.InnerException.Message}");
                    }
                }
            }
        }

        output.WriteLine($"{tried} constructor parameters tried with null: {tried - failures.Count - accepted.Count} clear errors, {accepted.Count} accepted (value records), {failures.Count} other exceptions");
        foreach (var f in failures.Concat(accepted))
        {
            output.WriteLine(f);
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }
}

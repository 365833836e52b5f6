// Every optimizer's path on three classic surfaces — Rosenbrock's banana valley, Beale's plateaus and the
// saddle x² − y² — drawn over the functions' contours in one PNG: the lectures' comparison made real.
//
// Each function is written once in core tensor operations; its gradient comes from Grad.ValueAndGrad on a
// parameter tree with two scalar leaves, x and y, on the Reference backend (float64, hand-written chain
// rule), and each optimizer is the library's pure (Init, Update) pair, stepped exactly as a network's
// parameters would be. Prints where each optimizer ends, writes examples/Optimizers/out/optimizers.png
// (or into --out DIR).
using System.Globalization;
using Functional.Nets;
using Functional.Nets.Examples.Optimizers;
using Functional.Nets.Reference;

var outDirectory = args.Length == 2 && args[0] == "--out"
    ? args[1]
    : args.Length == 0
        ? Path.Combine(RepositoryRoot(), "examples", "Optimizers", "out")
        : throw new ArgumentException("usage: dotnet run --project examples/Optimizers [-- --out DIR]");

var backend = ReferenceBackend.Instance;
var races = Surface.All.Select(s => (Surface: s, Paths: Contender.All.Select(c => Trajectory.Run(s, c, backend)).ToArray())).ToArray();

foreach (var (surface, paths) in races)
{
    Console.WriteLine($"{surface.Name}: f(x, y) = {surface.Formula}, from ({Format(surface.Start.X)}, {Format(surface.Start.Y)}), {surface.Steps} steps; {(surface.Name == "Saddle" ? "saddle point" : "minimum")} at ({Format(surface.Target.X)}, {Format(surface.Target.Y)})");
    Console.WriteLine($"  {"optimizer",-22} {"rate",7} {"final x",12} {"final y",12} {"f(x, y)",12}  distance to target");
    for (var i = 0; i < paths.Length; i++)
    {
        var path = paths[i];
        var end = path.Points[^1];
        var note = path.LeftAt is { } step ? $"  (left the plane at step {step})" : "";
        Console.WriteLine(
            $"  {Contender.All[i].Name,-22} {Contender.All[i].RateOn(surface.Rates),7} {Format(end.X),12} {Format(end.Y),12} {Format(path.FinalValue),12}  {Format(Math.Sqrt(Math.Pow(end.X - surface.Target.X, 2) + Math.Pow(end.Y - surface.Target.Y, 2)))}{note}");
    }

    Console.WriteLine();
}

var file = Path.Combine(outDirectory, "optimizers.png");
Picture.Write(races, file, backend);
Console.WriteLine($"wrote {Path.GetFullPath(file)}");
return 0;

static string Format(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

// The nearest folder holding Functional.sln above the program, else above the working directory.
static string RepositoryRoot()
{
    foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Functional.sln")))
            {
                return dir.FullName;
            }
        }
    }

    return Directory.GetCurrentDirectory();
}

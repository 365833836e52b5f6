using System.Diagnostics;
using Functional.Nets.Torch;

namespace Functional.Nets.Examples.Rnn;

/// <summary>
/// A character-level language model of first names: each name is the symbols ".", c₁ … c_L, "." (the boundary "."
/// starts and ends it), the network reads one-hot symbols and predicts the next one at every step
/// (L + 1 predictions a name, the end included). One layer, Scan(cell) then a Dense head to the vocabulary;
/// index cross-entropy, Adam after clipping the global gradient norm to 1. Batches hold names of one length only,
/// so no step is padding and the mean cross-entropy of a batch is exact.
/// </summary>
internal static class NamesModel
{
    private const char Boundary = '.';

    public static IEnumerable<string> Run(string directory, bool quick)
    {
        var failures = new List<string>();
        var names = File.ReadLines(Path.Combine(directory, "female.txt")).Concat(File.ReadLines(Path.Combine(directory, "male.txt")))
            .Select(n => n.Trim().ToLowerInvariant()).Where(n => n.Length > 0).Distinct().Order(StringComparer.Ordinal).ToArray();
        var alphabet = new[] { Boundary }.Concat(names.SelectMany(n => n).Distinct().Order()).ToArray();
        var index = alphabet.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
        var vocabulary = alphabet.Length;

        // The seeded 90/10 split of the distinct names (a name in both lists counts once, so none is on both sides).
        var order = Key.FromSeed(90).Permutation(names.Length);
        var testCount = names.Length / 10;
        var test = order.Take(testCount).Select(i => names[i]).ToArray();
        var train = order.Skip(testCount).Select(i => names[i]).ToArray();
        var symbols = test.Sum(n => n.Length + 1);
        Console.WriteLine($"== names: {names.Length} distinct names ({train.Length} to train, {test.Length} held out, {symbols} held-out symbols), vocabulary {vocabulary} ('{new string(alphabet)}')");

        // The bigram baseline: P(b | a) = (count(a, b) + k) / (count(a) + k·V), k chosen on the held-out names
        // among a few values, in the baseline's favour.
        var bigram = new double[vocabulary, vocabulary];
        foreach (var n in train)
        {
            var s = Boundary + n + Boundary;
            for (var t = 0; t + 1 < s.Length; t++)
            {
                bigram[index[s[t]], index[s[t + 1]]]++;
            }
        }

        var (bestK, bigramBits) = new[] { 0.01, 0.03, 0.1, 0.3, 1.0 }.Select(k => (k, BigramBits(bigram, k, test, index))).MinBy(p => p.Item2);

        var backend = TorchBackend.CpuFloat32;
        var hidden = quick ? 16 : 64;
        var epochs = quick ? 1 : 5;
        var batchSize = 32;
        var results = new List<(string Name, double Bits)>();
        foreach (var (label, cell) in new (string, Cell)[] { ("LSTM", new LstmCell(vocabulary, hidden)), ("GRU", new GruCell(vocabulary, hidden)) })
        {
            var model = new Sequential(new Scan(cell), new Dense(hidden, vocabulary));
            var trainer = new Trainer(model, Loss, Optim.Chain(Optim.ClipByGlobalNorm(1.0), Optim.Adam(5e-3)));
            var state = trainer.Init(Key.FromSeed(1), backend);
            var clock = Stopwatch.StartNew();
            var steps = 0;
            for (var epoch = 0; epoch < epochs; epoch++)
            {
                var batches = Batches(train, batchSize, Key.FromSeed(1000 + epoch)).ToArray();
                foreach (var group in quick ? batches.Take(20) : batches)
                {
                    using var batch = Encode(group, backend, index);
                    var (next, _) = trainer.Step(state, batch);
                    state.ReleaseUnshared(next);
                    state = next;
                    steps++;
                }
            }

            var bits = ModelBits(model, state.Parameters, test, backend, index);
            results.Add((label, bits));
            Console.WriteLine($"{label}: {bits:F3} bits per character   ({cell.Describe()}, {steps} steps of batch ≤ {batchSize} in {clock.Elapsed.TotalSeconds:F1} s)");
            var random = new Random(5);
            foreach (var temperature in new[] { 0.5, 1.0 })
            {
                var samples = Enumerable.Range(0, 8).Select(_ => Sample(cell, model, state.Parameters, alphabet, temperature, random)).ToArray();
                Console.WriteLine($"  samples at temperature {temperature:F1}: {string.Join(", ", samples)}");
            }

            state.Parameters.Dispose();
            state.OptimizerState.Dispose();
        }

        Console.WriteLine($"bigram: {bigramBits:F3} bits per character   (add-k, k = {bestK})");
        Console.WriteLine($"uniform over the vocabulary: {Math.Log2(vocabulary):F3} bits per character");
        Console.WriteLine();
        if (!quick)
        {
            failures.AddRange(results.Where(r => !(r.Bits < bigramBits)).Select(r => $"{r.Name} ({r.Bits:F3} bits) is not better than the bigram ({bigramBits:F3})"));
        }

        failures.AddRange(results.Where(r => !double.IsFinite(r.Bits) || r.Bits > Math.Log2(vocabulary) + 0.5).Select(r => $"{r.Name}: {r.Bits} bits per character"));
        return failures;
    }

    // Logits [N, T, V] against targets [N, T]: the cross-entropy takes the class axis second.
    private static Tensor Loss(Tensor logits, Tensor targets) => Losses.CrossEntropy(logits.Permute(0, 2, 1), targets);

    /// <summary>Shuffled batches of names of one length each (a length's names in shuffled order, cut in batchSize).</summary>
    private static IEnumerable<string[]> Batches(string[] names, int batchSize, Key key)
    {
        var shuffled = key.Permutation(names.Length).Select(i => names[i]).ToArray();
        var groups = shuffled.GroupBy(n => n.Length).SelectMany(g => g.Chunk(batchSize)).ToArray();
        return key.Fold(1).Permutation(groups.Length).Select(i => groups[i]);
    }

    /// <summary>Inputs [N, L + 1, V] one-hot of ".", c₁ … c_L and targets [N, L + 1] the indices of c₁ … c_L, ".".</summary>
    private static Batch Encode(string[] names, Backend backend, Dictionary<char, int> index)
    {
        int n = names.Length, steps = names[0].Length + 1, v = index.Count;
        var x = new double[checked(n * steps * v)];
        var y = new long[checked(n * steps)];
        for (var b = 0; b < n; b++)
        {
            var s = Boundary + names[b] + Boundary;
            for (var t = 0; t < steps; t++)
            {
                x[(b * steps + t) * v + index[s[t]]] = 1;
                y[b * steps + t] = index[s[t + 1]];
            }
        }

        return new Batch(backend.FromArray(x, n, steps, v), backend.FromIndices(y, n, steps), null, Enumerable.Range(0, n).ToArray());
    }

    /// <summary>Held-out bits per symbol: the summed cross-entropy (nats) over every prediction, / ln 2, / the symbols.</summary>
    private static double ModelBits(Layer model, TensorTree parameters, string[] names, Backend backend, Dictionary<char, int> index)
    {
        double nats = 0;
        long count = 0;
        foreach (var group in names.GroupBy(n => n.Length).SelectMany(g => g.Chunk(256)))
        {
            using var scope = backend.Scope();
            var batch = Encode(group, backend, index); // released with the scope
            var logits = model.Apply(parameters, batch.Inputs);
            var positions = batch.Targets.Shape.Size;
            nats += Loss(logits, batch.Targets).Item() * positions;
            count += positions;
        }

        return nats / count / Math.Log(2);
    }

    private static double BigramBits(double[,] counts, double k, string[] names, Dictionary<char, int> index)
    {
        var v = counts.GetLength(0);
        double bits = 0;
        long symbols = 0;
        foreach (var n in names)
        {
            var s = Boundary + n + Boundary;
            for (var t = 0; t + 1 < s.Length; t++)
            {
                int a = index[s[t]], b = index[s[t + 1]];
                var row = 0.0;
                for (var j = 0; j < v; j++)
                {
                    row += counts[a, j];
                }

                bits -= Math.Log2((counts[a, b] + k) / (row + k * v));
                symbols++;
            }
        }

        return bits / symbols;
    }

    /// <summary>A name drawn symbol by symbol from softmax(logits / temperature), from "." until "." (at most 20 letters).</summary>
    private static string Sample(Cell cell, Sequential model, TensorTree parameters, char[] alphabet, double temperature, Random random)
    {
        var backend = parameters[0].Value.Backend;
        using var scope = backend.Scope();
        var head = model.Layers[1];
        var carry = cell.InitialCarry(1, backend);
        var symbol = 0;
        var name = new System.Text.StringBuilder();
        while (name.Length < 20)
        {
            var x = new double[alphabet.Length];
            x[symbol] = 1;
            var step = cell.Step(parameters.Child("0"), backend.FromArray(x, 1, alphabet.Length), carry);
            carry = step.Carry;
            var p = (head.Apply(parameters.Child("1"), step.Output) * (1 / temperature)).Softmax(1).ToArray();
            var u = random.NextDouble();
            symbol = 0;
            for (var acc = p[0]; acc < u && symbol < p.Length - 1; acc += p[symbol])
            {
                symbol++;
            }

            if (symbol == 0)
            {
                break;
            }

            name.Append(alphabet[symbol]);
        }

        return name.Length == 0 ? "(empty)" : char.ToUpperInvariant(name[0]) + name.ToString()[1..];
    }
}

using Functional.Nets.Reference;

namespace Functional.Nets.Examples.Rnn;

/// <summary>
/// The lecture's LSTM for one short input, step by step, from an <see cref="LstmCell"/>'s own parameters
/// (PyTorch's layout: rows of <c>weight_ih</c> [4H, F], <c>weight_hh</c> [4H, H] and the biases in the gate order
/// i, f, g, o), and the check that the hₜ written out here is the cell's output.
/// </summary>
internal static class LstmGates
{
    public static IEnumerable<string> Run()
    {
        const int inputs = 2, hidden = 3;
        double[][] xs = [[1.0, 0.0], [0.0, 1.0], [0.5, -0.5], [-1.0, 1.0]];
        var backend = ReferenceBackend.Instance;
        var cell = new LstmCell(inputs, hidden);
        var p = cell.Init(Key.FromSeed(7), backend);
        double[] wih = p["weight_ih"].ToArray(), whh = p["weight_hh"].ToArray(), bih = p["bias_ih"].ToArray(), bhh = p["bias_hh"].ToArray();

        Console.WriteLine($"== LSTM gates: {cell.Describe()}, seed 7, {xs.Length} steps");
        var h = new double[hidden];
        var c = new double[hidden];
        var carry = cell.InitialCarry(1, backend);
        var worst = 0.0;
        for (var t = 0; t < xs.Length; t++)
        {
            // z = W_ih xₜ + b_ih + W_hh hₜ₋₁ + b_hh, four blocks of H rows: i, f, g (the candidate), o.
            var z = new double[4 * hidden];
            for (var r = 0; r < 4 * hidden; r++)
            {
                z[r] = bih[r] + bhh[r];
                for (var j = 0; j < inputs; j++)
                {
                    z[r] += wih[r * inputs + j] * xs[t][j];
                }

                for (var j = 0; j < hidden; j++)
                {
                    z[r] += whh[r * hidden + j] * h[j];
                }
            }

            double[] i = Block(z, 0, hidden, Sigmoid), f = Block(z, 1, hidden, Sigmoid), g = Block(z, 2, hidden, Math.Tanh), o = Block(z, 3, hidden, Sigmoid);
            for (var k = 0; k < hidden; k++)
            {
                c[k] = f[k] * c[k] + i[k] * g[k]; // Cₜ = fₜ ⊙ Cₜ₋₁ + iₜ ⊙ C̃ₜ
                h[k] = o[k] * Math.Tanh(c[k]);   // hₜ = oₜ ⊙ tanh(Cₜ)
            }

            var step = cell.Step(p, backend.FromArray(xs[t], 1, inputs), carry);
            carry = step.Carry;
            var cellH = step.Output.ToArray();
            var cellC = carry["c"].ToArray();
            worst = Math.Max(worst, Enumerable.Range(0, hidden).Max(k => Math.Max(Math.Abs(cellH[k] - h[k]), Math.Abs(cellC[k] - c[k]))));

            Console.WriteLine($"t = {t}  x = {Vector(xs[t])}");
            Console.WriteLine($"  f  = σ(W_f·[h, x] + b_f)  {Vector(f)}   (forget gate)");
            Console.WriteLine($"  i  = σ(W_i·[h, x] + b_i)  {Vector(i)}   (input gate)");
            Console.WriteLine($"  C̃  = tanh(W_C·[h, x] + b_C) {Vector(g)}   (candidate)");
            Console.WriteLine($"  C  = f⊙C + i⊙C̃            {Vector(c)}");
            Console.WriteLine($"  o  = σ(W_o·[h, x] + b_o)  {Vector(o)}   (output gate)");
            Console.WriteLine($"  h  = o⊙tanh(C)            {Vector(h)}   cell: {Vector(cellH)}");
        }

        Console.WriteLine($"largest |h, C written out − LstmCell's|: {worst:0.0e+00}");
        Console.WriteLine();
        if (!(worst <= 1e-12))
        {
            yield return $"the gates written out differ from LstmCell by {worst:0.0e+00}";
        }
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

    private static double[] Block(double[] z, int gate, int hidden, Func<double, double> f) =>
        z.Skip(gate * hidden).Take(hidden).Select(f).ToArray();

    private static string Vector(double[] v) => "[" + string.Join(", ", v.Select(e => e.ToString("+0.0000;-0.0000"))) + "]";
}

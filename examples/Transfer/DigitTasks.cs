namespace Functional.Nets.Examples.Transfer;

/// <summary>
/// The two tasks carved from mnist10k: the base task is the digits 0–4, the target task the digits 5–9 relabelled
/// 0–4 (digit d is class d − 5), each with its training and test digits.
/// </summary>
internal sealed record DigitTasks(Dataset BaseTrain, Dataset BaseTest, Dataset TargetPool, Dataset TargetTest)
{
    /// <summary>Classes of each task.</summary>
    public const int Classes = 5;

    /// <summary>The tasks from the training and test digits (labels 0–9).</summary>
    public static DigitTasks From(Dataset train, Dataset test) =>
        new(Digits(train, 0), Digits(test, 0), Digits(train, Classes), Digits(test, Classes));

    /// <summary>
    /// <paramref name="perClass"/> digits of each class drawn from <paramref name="pool"/> without replacement by
    /// <paramref name="key"/> (0: the whole pool), in the pool's order; the classes with fewer digits than asked
    /// give all they have.
    /// </summary>
    public static Dataset Sample(Dataset pool, int perClass, Key key)
    {
        if (perClass == 0)
        {
            return pool;
        }

        var labels = pool.Labels ?? throw new ArgumentException($"DigitTasks.Sample: the pool {pool} has no labels");
        var order = key.Permutation(pool.Count);
        var taken = new int[Classes];
        var chosen = new List<int>();
        foreach (var i in order)
        {
            if (taken[labels[i]] < perClass)
            {
                taken[labels[i]]++;
                chosen.Add(i);
            }
        }

        chosen.Sort();
        return pool.Subset(chosen);
    }

    /// <summary>The digits first … first + 4 of <paramref name="data"/>, labelled 0–4 with one-hot targets of 5 classes.</summary>
    private static Dataset Digits(Dataset data, int first)
    {
        var labels = data.Labels ?? throw new ArgumentException($"DigitTasks: the dataset {data} has no labels");
        var indices = Enumerable.Range(0, data.Count).Where(i => labels[i] >= first && labels[i] < first + Classes).ToArray();
        var relabelled = indices.Select(i => labels[i] - first).ToArray();
        var subset = data.Subset(indices);

        // The subset's ten-class targets are replaced; its inputs live on in the new dataset.
        subset.Targets.Dispose();
        return new Dataset(subset.Inputs, OneHot.Encode(relabelled, Classes, data.Backend), relabelled);
    }
}

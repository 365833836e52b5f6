namespace Functional.Nets;

/// <summary>Train/validation splits, reproducible from a key.</summary>
public sealed partial class Dataset
{
    /// <summary>
    /// A random split: round(f·N) samples (half away from zero) go to validation, the rest to training.
    /// Which ones is decided by <c>key.Permutation(Count)</c>; each part keeps the dataset's original order.
    /// </summary>
    /// <param name="validationFraction">f ∈ [0, 1].</param>
    /// <param name="key">The key deciding which samples go where.</param>
    /// <exception cref="ArgumentOutOfRangeException">f is outside [0, 1] or NaN.</exception>
    public (Dataset Train, Dataset Validation) Split(double validationFraction, Key key)
    {
        CheckFraction(validationFraction, "Split");
        var validationCount = (int)Math.Round(validationFraction * Count, MidpointRounding.AwayFromZero);
        var permutation = key.Permutation(Count);
        var toValidation = new bool[Count];
        for (var i = 0; i < validationCount; i++)
        {
            toValidation[permutation[i]] = true;
        }

        return Parts(toValidation);
    }

    /// <summary>
    /// A split that keeps the class proportions of <see cref="Labels"/>: each class c with nᶜ samples is split
    /// separately, sending vᶜ of its samples to validation, where vᶜ is ⌊f·nᶜ⌋ or ⌈f·nᶜ⌉, chosen by the
    /// largest-remainder (Hamilton) rule so that Σ vᶜ = round(f·N) exactly (half away from zero): every class
    /// first gets ⌊f·nᶜ⌋, then the classes with the largest fractional parts f·nᶜ − ⌊f·nᶜ⌋ get one more each
    /// (ties to the smaller class index) until the total is reached. So each class's validation share is within
    /// one sample of f·nᶜ, and the two parts have the same total sizes as <see cref="Split"/> gives.
    /// Which samples of a class go to validation is decided by <c>key.Permutation(Count)</c>; each part keeps
    /// the dataset's original order.
    /// </summary>
    /// <param name="validationFraction">f ∈ [0, 1].</param>
    /// <param name="key">The key deciding which samples go where.</param>
    /// <exception cref="InvalidOperationException">The dataset has no labels.</exception>
    /// <exception cref="ArgumentOutOfRangeException">f is outside [0, 1] or NaN.</exception>
    public (Dataset Train, Dataset Validation) StratifiedSplit(double validationFraction, Key key)
    {
        CheckFraction(validationFraction, "StratifiedSplit");
        if (labels is null)
        {
            throw new InvalidOperationException($"Dataset.StratifiedSplit: {this} has no labels to stratify by; use Split, or pass labels to the constructor");
        }

        var classes = labels.Count == 0 ? 0 : labels.Max() + 1;
        var members = new List<int>[classes];
        for (var c = 0; c < classes; c++)
        {
            members[c] = [];
        }

        // Walking the samples in the key's order makes each class's list a random order of its members.
        foreach (var i in key.Permutation(Count))
        {
            members[labels[i]].Add(i);
        }

        var quota = new int[classes];
        var remainders = new (double Remainder, int Class)[classes];
        var assigned = 0;
        for (var c = 0; c < classes; c++)
        {
            var exact = validationFraction * members[c].Count;
            quota[c] = (int)Math.Floor(exact);
            remainders[c] = (exact - quota[c], c);
            assigned += quota[c];
        }

        var total = (int)Math.Round(validationFraction * Count, MidpointRounding.AwayFromZero);

        // Σ⌊f·nᶜ⌋ ≤ f·N and Σ remainders < classes, so total − assigned lies in [0, classes) (rounding of f·N adds at most ½).
        var order = remainders.OrderByDescending(r => r.Remainder).ThenBy(r => r.Class).ToArray();
        for (var k = 0; assigned < total && k < order.Length; k++)
        {
            if (quota[order[k].Class] < members[order[k].Class].Count)
            {
                quota[order[k].Class]++;
                assigned++;
            }
        }

        var toValidation = new bool[Count];
        for (var c = 0; c < classes; c++)
        {
            for (var j = 0; j < quota[c]; j++)
            {
                toValidation[members[c][j]] = true;
            }
        }

        return Parts(toValidation);
    }

    private (Dataset Train, Dataset Validation) Parts(bool[] toValidation)
    {
        var train = new List<int>(Count);
        var validation = new List<int>();
        for (var i = 0; i < Count; i++)
        {
            (toValidation[i] ? validation : train).Add(i);
        }

        var trainSet = Subset(train);
        try
        {
            return (trainSet, Subset(validation));
        }
        catch
        {
            trainSet.Dispose();
            throw;
        }
    }

    private static void CheckFraction(double fraction, string operation)
    {
        if (!(fraction >= 0 && fraction <= 1))
        {
            throw new ArgumentOutOfRangeException("validationFraction", fraction, $"Dataset.{operation}: the validation fraction must lie in [0, 1]");
        }
    }
}

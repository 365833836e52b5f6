using Functional.Nets.Reference;

namespace Functional.Nets.Tests.Data;

/// <summary>One-hot encoding and accuracy: the values, and the errors for labels outside the classes.</summary>
public sealed class OneHotAndMetricsTests
{
    /// <summary>Each row has a single 1 at its label, on every backend.</summary>
    [Theory]
    [MemberData(nameof(BackendCombinations.All), MemberType = typeof(BackendCombinations))]
    public void Encode_puts_a_one_at_each_label(string combination)
    {
        var backend = BackendCombinations.Resolve(combination);
        using var y = OneHot.Encode([2, 0, 1, 2], 3, backend);
        Assert.Equal(new Shape(4, 3), y.Shape);
        Assert.Equal([0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1], y.ToArray());
    }

    /// <summary>A label outside [0, classes) is refused, naming the label, its position and the range.</summary>
    [Fact]
    public void Encode_refuses_labels_outside_the_classes()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => OneHot.Encode([1, 10], 10, ReferenceBackend.Instance));
        Assert.StartsWith("OneHot.Encode: label 10 at position 1 is outside [0, 10) for 10 classes", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => OneHot.Encode([-1], 10, ReferenceBackend.Instance));
        Assert.Throws<ArgumentOutOfRangeException>(() => OneHot.Encode([0], 0, ReferenceBackend.Instance));
    }

    /// <summary>Accuracy counts rows whose argmax (first on ties) is the label; mismatched counts are refused.</summary>
    [Fact]
    public void Accuracy_is_the_fraction_of_argmax_hits()
    {
        var logits = ReferenceBackend.Instance.FromArray([0.1, 2, -1, 5, 5, 0, 0, 0, 3, double.NaN, 1, 0], new Shape(4, 3));
        Assert.Equal([1, 0, 2, 1], Metrics.Predictions(logits));
        Assert.Equal(0.75, Metrics.Accuracy(logits, [1, 0, 2, 0]));
        Assert.Equal(3, Metrics.CountCorrect(logits, [1, 0, 2, 0]));
        var e = Assert.Throws<ShapeMismatchException>(() => Metrics.Accuracy(logits, [1, 0]));
        Assert.Equal("Metrics: scores [4, 3] have 4 rows but 2 labels were given", e.Message);
    }
}

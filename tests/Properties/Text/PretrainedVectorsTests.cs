using Functional.Nets.Reference;
using Functional.Nets.Torch;

namespace Functional.Nets.Tests.Text;

/// <summary>
/// Pretrained vectors mapped onto another vocabulary: found words get their vectors exactly, missing words rows drawn
/// from the key at the vectors' entry scale (the same key, the same rows), the padding row zero; the word2vec text
/// format round-trips exactly and its errors name the file and line; bad construction is refused.
/// </summary>
public sealed class PretrainedVectorsTests
{
    private static PretrainedVectors Sample() => new(["the", "cat", "sat"], [1, 2, 3, -1, -2, -3, 0.5, 0.25, 0.125], 3);

    [Fact]
    public void Rows_copy_found_words_and_draw_the_missing_ones()
    {
        var vectors = Sample();
        string?[] target = [null, "sat", "dog", "the", null, "bird"];
        var (values, found) = vectors.Rows(target, Key.FromSeed(5), paddingIndex: 0);
        Assert.Equal([false, true, false, true, false, false], found);
        Assert.Equal([0.0, 0, 0], values[0..3]);
        Assert.Equal([0.5, 0.25, 0.125], values[3..6]);
        Assert.Equal([1.0, 2, 3], values[9..12]);

        // Missing rows: N(0, 1) from the key, times σ = √(Σv²/(V·D)).
        var sigma = Math.Sqrt((1 + 4 + 9 + 1 + 4 + 9 + 0.25 + 0.0625 + 0.015625) / 9);
        Assert.Equal(sigma, vectors.EntryScale, 15);
        var normal = Key.FromSeed(5).Normal(target.Length * 3);
        foreach (var row in new[] { 2, 4, 5 })
        {
            for (var j = 0; j < 3; j++)
            {
                Assert.Equal(normal[row * 3 + j] * sigma, values[row * 3 + j]);
            }
        }

        var (again, _) = vectors.Rows(target, Key.FromSeed(5), paddingIndex: 0);
        Assert.Equal(values, again);
        var (other, _) = vectors.Rows(target, Key.FromSeed(6), paddingIndex: 0);
        Assert.NotEqual(values[6..9], other[6..9]);
        Assert.Equal(values[3..6], other[3..6]);
    }

    [Fact]
    public void Rows_refuse_a_padding_index_outside_the_vocabulary()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Sample().Rows(["the"], Key.FromSeed(1), paddingIndex: 1));
        Assert.Contains("[0, 1)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mapped_rows_initialize_an_embedding_on_both_backends()
    {
        var (values, _) = Sample().Rows(["<pad>", "cat", "dog"], Key.FromSeed(3), paddingIndex: 0);
        foreach (var backend in new Backend[] { ReferenceBackend.Instance, TorchBackend.CpuFloat64 })
        {
            using var scope = backend.Scope();
            var (layer, parameters) = Embedding.FromPretrained(backend.FromArray(values, 3, 3), freeze: true, paddingIndex: 0);
            var y = layer.Apply(parameters, backend.FromIndices([1, 0], 2));
            Assert.Equal([-1.0, -2, -3, 0, 0, 0], y.ToArray());
        }
    }

    [Fact]
    public void Text_format_round_trips_exactly()
    {
        var path = Path.Combine(Path.GetTempPath(), $"fnets-vectors-{Guid.NewGuid():N}.txt");
        try
        {
            var vectors = new PretrainedVectors(["a", "b"], [Math.PI, -1e-300, 1.0 / 3, 123456789.125], 2);
            vectors.Save(path);
            Assert.StartsWith("2 2\na ", File.ReadAllText(path), StringComparison.Ordinal);
            var loaded = PretrainedVectors.Load(path);
            Assert.Equal(vectors.Words, loaded.Words);
            Assert.Equal(2, loaded.Dimension);
            for (var i = 0; i < 2; i++)
            {
                Assert.Equal(vectors.Vector(i).ToArray(), loaded.Vector(i).ToArray());
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Malformed_files_name_the_file_and_line()
    {
        var path = Path.Combine(Path.GetTempPath(), $"fnets-vectors-{Guid.NewGuid():N}.txt");
        try
        {
            File.WriteAllText(path, "2 3\nthe 1 2 3\ncat 1 x 3\n");
            var e = Assert.Throws<FormatException>(() => PretrainedVectors.Load(path));
            Assert.Contains($"{path}, line 3", e.Message, StringComparison.Ordinal);
            Assert.Contains("'x'", e.Message, StringComparison.Ordinal);

            File.WriteAllText(path, "2 3\nthe 1 2 3\n");
            e = Assert.Throws<FormatException>(() => PretrainedVectors.Load(path));
            Assert.Contains("after 1 of the 2 vectors", e.Message, StringComparison.Ordinal);

            File.WriteAllText(path, "2 3\nthe 1 2\n");
            e = Assert.Throws<FormatException>(() => PretrainedVectors.Load(path));
            Assert.Contains("line 2: expected a word and 3 values, got 3 fields", e.Message, StringComparison.Ordinal);

            File.WriteAllText(path, "vectors\n");
            e = Assert.Throws<FormatException>(() => PretrainedVectors.Load(path));
            Assert.Contains("line 1", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Bad_vectors_are_refused()
    {
        Assert.Contains("2 words × 2", Assert.Throws<ArgumentException>(() => new PretrainedVectors(["a", "b"], [1, 2, 3], 2)).Message, StringComparison.Ordinal);
        Assert.Contains("'a' appears twice", Assert.Throws<ArgumentException>(() => new PretrainedVectors(["a", "a"], [1, 2], 1)).Message, StringComparison.Ordinal);
        Assert.Contains("white space", Assert.Throws<ArgumentException>(() => new PretrainedVectors(["a b"], [1], 1)).Message, StringComparison.Ordinal);
        Assert.Contains("'b' has a non-finite entry NaN at 1", Assert.Throws<ArgumentException>(() => new PretrainedVectors(["a", "b"], [1, 2, 3, double.NaN], 2)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void From_table_checks_the_vocabulary_size()
    {
        var vocabulary = Vocabulary.Build([["x", "y", "x"]], minCount: 1);
        var table = ReferenceBackend.Instance.FromArray([1, 2, 3, 4], 2, 2);
        var vectors = PretrainedVectors.FromTable(vocabulary, table);
        Assert.True(vectors.TryGetId("y", out var id));
        Assert.Equal([3.0, 4], vectors.Vector(id).ToArray());
        var e = Assert.Throws<ShapeMismatchException>(() => PretrainedVectors.FromTable(vocabulary, ReferenceBackend.Instance.FromArray([1, 2, 3], 3, 1)));
        Assert.Contains("[2, D]", e.Message, StringComparison.Ordinal);
    }
}

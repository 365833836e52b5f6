namespace Functional.Nets.Examples.TextClassification;

/// <summary>An initializer that returns a given table (pretrained word vectors mapped onto the vocabulary): the key plays no part.</summary>
internal sealed class TableInitializer(double[] values, string name) : Initializer
{
    public override string Kind => name;

    public override double[] Sample(Key key, Shape shape, int fanIn, int fanOut) =>
        shape.Size == values.Length
            ? (double[])values.Clone()
            : throw new ShapeMismatchException($"{name}: the table has {values.Length} entries, the parameter {shape} needs {shape.Size}");
}

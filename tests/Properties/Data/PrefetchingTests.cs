namespace Functional.Nets.Tests.Data;

/// <summary>
/// <see cref="Prefetching.Prefetch{T}"/>: the same items in the same order (produced on another thread), the source's
/// exception reaching the consumer with its type and message, and a consumer that stops early stopping the producer.
/// </summary>
public sealed class PrefetchingTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(64)]
    public void Items_arrive_in_order_from_another_thread(int depth)
    {
        var consumer = Environment.CurrentManagedThreadId;
        var producers = new HashSet<int>();
        IEnumerable<int> Source()
        {
            for (var i = 0; i < 1000; i++)
            {
                lock (producers)
                {
                    producers.Add(Environment.CurrentManagedThreadId);
                }

                yield return i;
            }
        }

        Assert.Equal(Enumerable.Range(0, 1000), Source().Prefetch(depth).ToArray());
        Assert.DoesNotContain(consumer, producers);
    }

    [Fact]
    public void The_source_s_exception_reaches_the_consumer()
    {
        IEnumerable<int> Source()
        {
            yield return 1;
            yield return 2;
            throw new InvalidDataException("corpus line 3: no tab");
        }

        var seen = new List<int>();
        var e = Assert.Throws<InvalidDataException>(() =>
        {
            foreach (var x in Source().Prefetch(2))
            {
                seen.Add(x);
            }
        });
        Assert.Equal("corpus line 3: no tab", e.Message);
        Assert.Equal([1, 2], seen);
    }

    [Fact]
    public void Stopping_early_stops_the_producer()
    {
        var produced = 0;
        IEnumerable<int> Endless()
        {
            while (true)
            {
                Interlocked.Increment(ref produced);
                yield return produced;
            }
        }

        Assert.Equal([1, 2, 3], Endless().Prefetch(4).Take(3).ToArray());
        var after = Volatile.Read(ref produced);
        Thread.Sleep(50);
        Assert.Equal(after, Volatile.Read(ref produced));
        Assert.InRange(after, 3, 3 + 4 + 1);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentNullException>(() => Prefetching.Prefetch<int>(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new[] { 1 }.Prefetch(0));
    }
}

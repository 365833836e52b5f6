using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Functional.Nets;

/// <summary>
/// Producing a sequence's items ahead of their use on a second thread, so that drawing batches (a sampler, a data
/// pipeline on the host) overlaps the training steps that consume them: on two cores the producer and the step each
/// get one. The items and their order are those of the source.
/// </summary>
public static class Prefetching
{
    /// <summary>
    /// The items of <paramref name="source"/>, in order, enumerated on a background thread at most
    /// <paramref name="depth"/> items ahead of the consumer. An exception of the source is rethrown to the consumer
    /// where the item would have come; a consumer that stops early stops the producer.
    /// </summary>
    /// <remarks>The source is enumerated on another thread, so it must not depend on the consumer's thread (dispose
    /// scopes are per thread: produce host data, such as <see cref="SkipGramBatch"/> or arrays, not backend tensors).</remarks>
    public static IEnumerable<T> Prefetch<T>(this IEnumerable<T> source, int depth = 4)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        return Produce(source, depth);
    }

    private static IEnumerable<T> Produce<T>(IEnumerable<T> source, int depth)
    {
        using var queue = new BlockingCollection<T>(depth);
        using var stop = new CancellationTokenSource();
        Exception? failure = null;
        var producer = new Thread(() =>
        {
            try
            {
                foreach (var item in source)
                {
                    queue.Add(item, stop.Token);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The consumer stopped early.
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                queue.CompleteAdding();
            }
        })
        { IsBackground = true, Name = "Functional.Nets prefetch" };
        producer.Start();
        try
        {
            foreach (var item in queue.GetConsumingEnumerable())
            {
                yield return item;
            }

            producer.Join();
            if (failure is not null)
            {
                ExceptionDispatchInfo.Capture(failure).Throw();
            }
        }
        finally
        {
            stop.Cancel();
            producer.Join();
        }
    }
}

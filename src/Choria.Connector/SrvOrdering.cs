namespace Choria.Connector;

/// <summary>RFC 2782 target ordering.</summary>
public static class SrvOrdering
{
    /// <summary>
    /// Lowest priority first; within one priority, targets are drawn by weighted random selection
    /// (zero-weight records keep a small chance, as RFC 2782 prescribes by placing them first).
    /// </summary>
    public static IReadOnlyList<SrvRecord> Order(IEnumerable<SrvRecord> records, Random? random = null)
    {
        var rnd = random ?? Random.Shared;
        var ordered = new List<SrvRecord>();
        foreach (var group in records.GroupBy(r => r.Priority).OrderBy(g => g.Key))
        {
            // Zero weights first, as RFC 2782 suggests, so they are only chosen when the draw is 0.
            var pool = group.OrderBy(r => r.Weight == 0 ? 0 : 1).ToList();
            while (pool.Count > 0)
            {
                var total = pool.Sum(r => (long)r.Weight);
                var pick = total == 0 ? 0 : rnd.NextInt64(total + 1);
                long running = 0;
                var chosen = pool.Count - 1;
                for (var i = 0; i < pool.Count; i++)
                {
                    running += pool[i].Weight;
                    if (running >= pick)
                    {
                        chosen = i;
                        break;
                    }
                }

                ordered.Add(pool[chosen]);
                pool.RemoveAt(chosen);
            }
        }

        return ordered;
    }
}

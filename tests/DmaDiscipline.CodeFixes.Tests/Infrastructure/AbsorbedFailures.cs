using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using DmaDiscipline.CodeFixes.Editing;

namespace DmaDiscipline.CodeFixes.Tests.Infrastructure;

/// <summary>
/// In these tests a fixer that fails while planning (or whose edits cannot be merged) is a bug to see, not a fix
/// quietly withheld: the fixes run with <see cref="DmaFixer.AbsorbedFailures"/> observed, and any failure the fixers
/// absorbed fails the test, named. The fixers behave exactly as they ship.
/// </summary>
public static class AbsorbedFailures
{
    public static async Task NoneAsync(Func<Task> fixes)
    {
        var absorbed = new ConcurrentQueue<Exception>();
        DmaFixer.AbsorbedFailures.Value = absorbed.Enqueue;
        Exception? thrown = null;
        try
        {
            await fixes();
        }
        catch (Exception ex)
        {
            thrown = ex;
        }
        finally
        {
            DmaFixer.AbsorbedFailures.Value = null;
        }

        if (!absorbed.IsEmpty)
        {
            // The absorbed failure is the likelier cause of whatever the run then got wrong: both are reported.
            throw new AggregateException(
                $"A fixer absorbed {absorbed.Count} failure(s): its diagnostic got no fix. First: {absorbed.First().Message}",
                thrown is null ? absorbed : absorbed.Append(thrown));
        }

        if (thrown is not null)
        {
            ExceptionDispatchInfo.Throw(thrown);
        }
    }
}

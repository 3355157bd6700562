using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>How a path leaves the analysed body.</summary>
    internal enum ExitKind
    {
        Return,
        Throw,
    }

    /// <summary>
    /// A forward dataflow problem over a <see cref="ControlFlowGraph"/>: an immutable state per
    /// program point, a join at merges, and a transfer function per lowered statement.
    /// </summary>
    internal abstract class FlowAnalysis<TState>
        where TState : class
    {
        public abstract TState Entry { get; }

        public abstract TState Join(TState a, TState b);

        public abstract bool Same(TState a, TState b);

        /// <summary>
        /// The state where <paramref name="incoming"/> meets <paramref name="existing"/> at a block's
        /// entry: their join, or <paramref name="existing"/> itself when the join changes nothing.
        /// </summary>
        public TState Merge(TState existing, TState incoming)
        {
            var joined = Join(existing, incoming);
            return Same(existing, joined) ? existing : joined;
        }

        /// <summary>Transfers one statement of a basic block (or a branch value). Reports only when <paramref name="report"/> is set (the final pass).</summary>
        public abstract TState Visit(IOperation operation, TState state, bool report);

        /// <summary>The states on the true and false edges of a conditional branch on <paramref name="condition"/>.</summary>
        public virtual void Split(IOperation condition, TState state, out TState whenTrue, out TState whenFalse)
        {
            whenTrue = state;
            whenFalse = state;
        }

        /// <summary>
        /// May <paramref name="operation"/> throw to a catch handler? Null (the default): the analysis
        /// does not say, and a handler starts from every state of its try region's blocks. An analysis
        /// that answers has its handlers start from the states before the operations that may throw.
        /// </summary>
        public virtual bool? MayThrow(IOperation operation) => null;

        /// <summary>The state a catch handler gets when <paramref name="operation"/>, which may throw, does: by default the state before it.</summary>
        public virtual TState AtThrow(IOperation operation, TState before) => before;

        /// <summary>
        /// The value a <c>switch</c> statement tests, evaluated once before its cases (the graph captures
        /// it, then branches on its comparison with each case's constant, through <see cref="Split"/>).
        /// <paramref name="tested"/> says whether such a comparison could tell the analysis anything (the
        /// value is a handle, a count, a check's result...): the tree walk, which passes the state through
        /// the comparisons unchanged, leaves those bodies to the graph. By default every value may.
        /// </summary>
        public virtual TState SwitchValue(IOperation value, TState state, bool report, out bool tested)
        {
            tested = true;
            return Visit(value, state, report);
        }

        /// <summary>
        /// A path leaves a block of the tree walk (not inside a loop, <c>try</c> or <c>switch</c>) normally, reached
        /// from <paramref name="entry"/> at the block's start: an analysis may drop what nothing after the block can
        /// reach (the block's locals, what only they held), and give back <paramref name="entry"/> itself when what
        /// is left is what it holds, so that the join after the block costs what the block left changed, not what
        /// its nested blocks did. The graph walk, which has no blocks of the tree, never calls it: what is dropped
        /// must change no report.
        /// </summary>
        public virtual TState LeaveBlock(Microsoft.CodeAnalysis.Operations.IBlockOperation block, TState entry, TState state) => state;

        /// <summary>
        /// Does the tree walk follow a <c>foreach</c> for this analysis, through <see cref="ForEachStart"/>,
        /// <see cref="ForEachNext"/>, <see cref="ForEachElement"/> and <see cref="ForEachDisposed"/>? Those stand for
        /// the operations the graph lowers the loop into, which the operation tree does not hold: an analysis that
        /// answers true makes each do to the state what its <see cref="Visit"/> and <see cref="Split"/> do to those
        /// operations. By default it does not, and a body with a <c>foreach</c> takes the graph.
        /// </summary>
        public virtual bool FollowsForEach => false;

        /// <summary>
        /// A <c>foreach</c> starts: the graph captures <c>collection.GetEnumerator()</c> (its instance is the loop's
        /// <see cref="Microsoft.CodeAnalysis.Operations.IForEachLoopOperation.Collection"/>, conversion included).
        /// Null when the analysis cannot follow this loop from this state: the walk gives up and the body takes the graph.
        /// </summary>
        public virtual TState? ForEachStart(Microsoft.CodeAnalysis.Operations.IForEachLoopOperation loop, TState state, bool report) => null;

        /// <summary>The loop's head: the graph calls the enumerator's <c>MoveNext()</c> and branches on it (false leaves the loop).</summary>
        public virtual void ForEachNext(Microsoft.CodeAnalysis.Operations.IForEachLoopOperation loop, TState state, bool report, out TState whenTrue, out TState whenFalse)
        {
            whenTrue = state;
            whenFalse = state;
        }

        /// <summary>A pass of the loop begins: the graph assigns the enumerator's <c>Current</c> to the iteration variable.</summary>
        public virtual TState ForEachElement(Microsoft.CodeAnalysis.Operations.IForEachLoopOperation loop, TState state, bool report) => state;

        /// <summary>
        /// An edge leaves the loop (its end, a <c>break</c>, a <c>return</c> or <c>throw</c> inside it): where the
        /// enumerator needs disposing, the graph runs its <c>Dispose()</c> in a finally around the loop, on that edge.
        /// </summary>
        public virtual TState ForEachDisposed(Microsoft.CodeAnalysis.Operations.IForEachLoopOperation loop, TState state, bool report) => state;

        /// <summary>A value leaves the body through return.</summary>
        public virtual TState Returned(IOperation value, TState state, bool report) => Visit(value, state, report);

        /// <summary>A path leaves the body (final pass only).</summary>
        public virtual void AtExit(TState state, ExitKind kind, IOperation? exitOperation)
        {
        }

        /// <summary>
        /// The run finished (every exit has been seen): an analysis that weighs its exits against each
        /// other before reporting reports now. Not called when the run gave up.
        /// </summary>
        public virtual void Completed()
        {
        }
    }
}

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// Runs a <see cref="FlowAnalysis{TState}"/> over the operation tree of a body, without building
    /// its control-flow graph, for the statements whose graph it can reproduce: blocks, <c>if</c>/<c>else</c>
    /// (conditions joined with <c>&amp;&amp;</c>, <c>||</c>, <c>!</c>), <c>while</c>, <c>do</c>, <c>for</c>,
    /// <c>switch</c> (sections of constant cases and <c>default</c>, on a value the analysis learns nothing
    /// from testing), <c>break</c>, <c>continue</c> (where it goes to a block after the body: <c>do</c>, or
    /// <c>for</c> with increments), <c>return</c>, <c>throw</c> and <c>try</c>/<c>finally</c>, over
    /// expressions the graph keeps as they are, <c>is</c> patterns included (and <c>?:</c>, which the
    /// analysis follows as the graph lowers it); <c>foreach</c> over a plain collection into one variable, for an
    /// analysis that follows it (<see cref="FlowAnalysis{TState}.FollowsForEach"/>: the graph's enumerator calls are
    /// the analysis's hooks; <c>await foreach</c>, a deconstruction, a <c>ref</c> variable and a <c>continue</c> are
    /// not followed). Anything else (<c>goto case</c>, case patterns, <c>catch</c>,
    /// <c>using</c>, <c>goto</c>, <c>??</c>, <c>?.</c>, lambdas, property and list patterns, initializers...)
    /// and the pass declines, before visiting anything.
    /// <para>
    /// Each statement is visited with the state the graph's solver gives it in its report pass. The
    /// operations are the graph's, in the graph's order. The analysis's join is a lattice join, so the
    /// order in which edges meet does not matter. A loop is walked from its head's state until that
    /// state no longer changes, then once more to report. A <c>finally</c> runs on each edge that
    /// leaves its <c>try</c>, as the solver runs it on each branch that leaves through it, afresh.
    /// </para>
    /// <para>
    /// Where the solver keeps, in a block inside a loop, the join of every state the block was reached
    /// with, the walk has the latest: the same state while each is contained in the next, which the
    /// walk checks at every statement of a loop; where it is not (the analysis is not monotone
    /// everywhere), the walk gives up and the body takes the graph. The solver also takes a loop's
    /// head again as soon as an edge comes back to it, before the rest of the body: so the walk
    /// follows only loops with one edge back (a for loop's increments or a do loop's condition, where
    /// continue and the body's ends meet first; a while loop whose body ends in one statement, without
    /// continue). The edges that left a loop on its earlier passes are kept as stale: the statement
    /// after the loop joins them in, as the graph's block does, but a finally they cross reports
    /// nothing for them and an exit ignores them.
    /// </para>
    /// What the pass does not reproduce in general is which exit operation the graph names for a path: a
    /// caller uses it to learn whether anything is reported at all, and takes the graph for the diagnostics,
    /// except where the body is forward-only (no loop, <c>try</c> or <c>switch</c>: both visit the exits in
    /// source order) and the analysis says every exit is named alike (a <c>return</c> of a value, a <c>throw</c>).
    /// StructuredFlowAgreementTests compare the two on generated bodies.
    /// </summary>
    internal static class StructuredFlow
    {
        // Bounds the recursion on pathological nesting; deeper bodies take the graph. Within it, the walk
        // declines (and the graph takes the body) wherever the thread's stack runs short: a stack overflow
        // would take the IDE or the build down with it, which a declined body never does.
        private const int MaxDepth = 1024;

        // Bounds the work as the graph's solver does (visits per statement); past it the body takes the graph.
        private const int VisitsPerStatement = 24;

        /// <summary>Runs the pass; false when the body has a construct it does not follow (then before anything is visited) or needs more work than its budget.</summary>
        [MethodImpl(Jit.Optimized)]
        public static bool TryRun<TState>(IOperation root, FlowAnalysis<TState> analysis)
            where TState : class => TryRun(root, analysis, out _);

        /// <summary>
        /// Runs the pass as <see cref="TryRun{TState}(IOperation, FlowAnalysis{TState})"/>, and gives, for a body it
        /// followed, a lower bound on the blocks of the body's control-flow graph, counted on the way without building
        /// the graph (0 when it did not follow the body): the entry and exit blocks, and two for each <c>if</c> without
        /// <c>else</c> (on a condition that is not constant) whose arm ends in <c>return</c> of a value or <c>throw</c> —
        /// the block that branches on the condition (a block has one conditional branch) and the block of the arm's exit
        /// (one per exit statement). A body past the graph walk's block limit by this count need not have its graph
        /// built to learn that the graph walk gives up.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        public static bool TryRun<TState>(IOperation root, FlowAnalysis<TState> analysis, out int graphBlocksAtLeast)
            where TState : class => TryRun(root, analysis, out graphBlocksAtLeast, out _);

        /// <summary>
        /// Runs the pass as <see cref="TryRun{TState}(IOperation, FlowAnalysis{TState}, out int)"/>, and says whether the
        /// body it followed has no loop, <c>try</c> or <c>switch</c> (<paramref name="forwardOnly"/>): then its graph has
        /// no edge back and no region, each of its blocks is visited once, in the order of its ordinals, which is the order
        /// of the source, and the walk visits the body's statements and exits in that same order.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        public static bool TryRun<TState>(IOperation root, FlowAnalysis<TState> analysis, out int graphBlocksAtLeast, out bool forwardOnly)
            where TState : class
        {
            graphBlocksAtLeast = 0;
            forwardOnly = false;
            IBlockOperation? body;
            switch (root)
            {
                case IMethodBodyOperation method when method.BlockBody is null || method.ExpressionBody is null:
                    body = method.BlockBody ?? method.ExpressionBody;
                    break;
                case IConstructorBodyOperation constructor when constructor.Initializer is null && (constructor.BlockBody is null || constructor.ExpressionBody is null):
                    body = constructor.BlockBody ?? constructor.ExpressionBody;
                    break;
                default:
                    return false;
            }

            var size = new Size { GraphBlocks = 2, ForwardOnly = true, ForEach = analysis.FollowsForEach };
            List<Edge<TState>> ends;
            try
            {
                if (body is null || !IsStructured(body, 0, LoopKind.None, ref size))
                {
                    return false;
                }

                var walk = new Walk<TState>(analysis, (size.Statements + 4) * VisitsPerStatement, body);
                ends = walk.Statement(body, new List<Edge<TState>> { new Edge<TState>(analysis.Entry) }, report: true);
                if (walk.GaveUp)
                {
                    return false;
                }
            }
            catch (InsufficientExecutionStackException)
            {
                // Nested deeper than this thread's stack allows: nothing was reported (every caller holds its
                // findings until the run completes), and the graph, which does not recurse on nesting, takes the body.
                return false;
            }

            foreach (var end in ends)
            {
                // The graph leaves through each of these edges separately, from the state its report pass gives it.
                if (!end.Stale)
                {
                    analysis.AtExit(end.State, ExitKind.Return, null);
                }
            }

            analysis.Completed();
            graphBlocksAtLeast = size.GraphBlocks;
            forwardOnly = size.ForwardOnly;
            return true;
        }

        /// <summary>An <c>if</c> without <c>else</c>, on a condition that is not constant, whose arm ends in <c>return</c> of a value or <c>throw</c>: two blocks of the graph.</summary>
        private static bool BranchesToExit(IOperation statement)
        {
            return statement is IConditionalOperation { WhenFalse: null } conditional && !conditional.Condition.ConstantValue.HasValue
                && EndsInExit(conditional.WhenTrue);

            static bool EndsInExit(IOperation statement) => statement switch
            {
                IBlockOperation block => block.Operations.Length > 0 && EndsInExit(block.Operations[block.Operations.Length - 1]),
                IReturnOperation @return => @return.Kind == OperationKind.Return && @return.ReturnedValue is not null,
                IExpressionStatementOperation { Operation: IThrowOperation } => true,
                IThrowOperation _ => true,
                _ => false,
            };
        }

        /// <summary>
        /// What <see cref="IsStructured"/> counts: the statements (for the walk's budget), and the lower bound on the
        /// graph's blocks of a body it follows (it holds no lambda, so every block of it is one the count visits).
        /// </summary>
        private struct Size
        {
            public int Statements;
            public int GraphBlocks;

            /// <summary>No loop, <c>try</c> or <c>switch</c> so far.</summary>
            public bool ForwardOnly;

            /// <summary>Given, not counted: the analysis follows <c>foreach</c> (<see cref="FlowAnalysis{TState}.FollowsForEach"/>).</summary>
            public bool ForEach;
        }

        /// <summary>
        /// A state on an edge to the next statement. A stale one left a loop on a pass before the last:
        /// the graph's block the edge leads to keeps the join of every state it was reached with, those
        /// included, but its report pass only runs (and reports) from the last (a finally on the way
        /// included, and an exit reports nothing for it).
        /// </summary>
        private readonly struct Edge<TState>
            where TState : class
        {
            public Edge(TState state, bool stale = false)
            {
                State = state;
                Stale = stale;
            }

            public TState State { get; }

            public bool Stale { get; }
        }

        /// <summary>One walk over a body: the analysis, the loops and <c>finally</c> blocks around the current statement, and the budget.</summary>
        private sealed class Walk<TState>
            where TState : class
        {
            private readonly FlowAnalysis<TState> _analysis;
            private List<Frame> _frames = new List<Frame>();
            private Scope _scope = new Scope();
            private int _loops;
            private int _budget;
            private bool _diverged;

            // The body's own block: what leaves it leaves the body (nothing after it to drop anything for).
            private readonly IBlockOperation _body;

            public Walk(FlowAnalysis<TState> analysis, int budget, IBlockOperation body)
            {
                _analysis = analysis;
                _budget = budget;
                _body = body;
            }

            /// <summary>The work exceeded the budget, or a loop met a state the graph would have joined differently: the body takes the graph.</summary>
            public bool GaveUp => _budget < 0 || _diverged;

            /// <summary>
            /// The edges that leave a statement for the next one (normal completion). Edges that leave
            /// it otherwise (<c>break</c>, <c>continue</c>, <c>return</c>, <c>throw</c>) go through <see cref="Leave"/>.
            /// The incoming list is the caller's to give away: it may come back as the outgoing one.
            /// </summary>
            [MethodImpl(Jit.Optimized)]
            public List<Edge<TState>> Statement(IOperation statement, List<Edge<TState>> incoming, bool report)
            {
                RuntimeHelpers.EnsureSufficientExecutionStack();
                if (--_budget < 0 || _diverged)
                {
                    return new List<Edge<TState>>();
                }

                switch (statement)
                {
                    case IBlockOperation block:
                        {
                            // Outside loops, try and switch, a block entered by one edge hands the analysis what
                            // leaves it normally, to drop what nothing after it can reach (LeaveBlock).
                            var entry = _loops == 0 && _frames.Count == 0 && incoming.Count == 1 && !incoming[0].Stale && !ReferenceEquals(block, _body) ? incoming[0].State : null;
                            var current = incoming;
                            foreach (var inner in block.Operations)
                            {
                                if (current.Count == 0)
                                {
                                    // The rest of the block is unreachable: the graph does not visit it either.
                                    break;
                                }

                                current = Statement(inner, current, report);
                            }

                            return entry is null ? current : LeaveBlock(block, entry, current);
                        }

                    case IConditionalOperation conditional:
                        {
                            var (whenTrue, whenFalse) = Branch(conditional.Condition, Join(incoming), report);
                            var after = Statement(conditional.WhenTrue, whenTrue, report);
                            after.AddRange(conditional.WhenFalse is { } otherwise ? Statement(otherwise, whenFalse, report) : whenFalse);
                            return after;
                        }

                    case IWhileLoopOperation loop:
                        return Loop(loop, loop.Condition, loop.ConditionIsTop, loop.Body, default, Join(incoming), report);
                    case IForEachLoopOperation loop:
                        return ForEach(loop, incoming, report);
                    case IForLoopOperation loop:
                        foreach (var before in loop.Before)
                        {
                            incoming = Statement(before, incoming, report);
                        }

                        return Loop(loop, loop.Condition, conditionIsTop: true, loop.Body, loop.AtLoopBottom, Join(incoming), report);
                    case ITryOperation @try:
                        {
                            _frames.Add(new Frame(@try.Finally!));
                            var ends = Statement(@try.Body, incoming, report);
                            _frames.RemoveAt(_frames.Count - 1);
                            var after = new List<Edge<TState>>();
                            foreach (var end in ends)
                            {
                                // The graph runs the finally on each edge that leaves the try, not on their join.
                                if (Finally(@try.Finally!, end.State, _frames.Count, report && !end.Stale) is { } state)
                                {
                                    after.Add(new Edge<TState>(state, end.Stale));
                                }
                            }

                            return after;
                        }

                    case ISwitchOperation @switch:
                        return Switch(@switch, incoming, report);
                    case IBranchOperation branch:
                        Leave(Enter(branch, incoming), branch.BranchKind == BranchKind.Break ? Exit.Break : Exit.Continue, branch, report);
                        return Single(incoming, null);
                    case IReturnOperation @return:
                        {
                            var state = Enter(@return, incoming);
                            var exit = @return.ReturnedValue is { } value ? _analysis.Returned(value, state, report) : state;
                            Leave(exit, Exit.Return, @return.ReturnedValue ?? @return, report);
                            return Single(incoming, null);
                        }

                    case IThrowOperation @throw:
                        Leave(_analysis.Visit(@throw.Exception!, Enter(@throw, incoming), report), Exit.Throw, @throw.Exception, report);
                        return Single(incoming, null);
                    case IEmptyOperation _:
                        return incoming;
                    default:
                        return Single(incoming, _analysis.Visit(statement, Enter(statement, incoming), report));
                }
            }

            /// <summary>
            /// A <c>foreach</c> as the graph lowers it: the enumerator is obtained from the collection (a capture), then
            /// a loop whose head branches on <c>MoveNext()</c> — true enters the body, after the iteration variable is
            /// given <c>Current</c>, false leaves — and the body's end goes back to the head, as a <c>while</c> loop's
            /// does. The enumerator's disposal is a finally around the loop: it runs on every edge that leaves it
            /// (the false branch, a <c>break</c>, a <c>return</c> or <c>throw</c> inside it). What the graph's calls
            /// do to the state is the analysis's (its <c>ForEach…</c> hooks); it may decline a loop from the state it
            /// reaches, and then the walk gives up.
            /// </summary>
            [MethodImpl(Jit.Optimized)]
            private List<Edge<TState>> ForEach(IForEachLoopOperation loop, List<Edge<TState>> incoming, bool report)
            {
                if (!(_analysis.ForEachStart(loop, Enter(loop, incoming), report) is { } start))
                {
                    _diverged = true;
                    return new List<Edge<TState>>();
                }

                _frames.Add(new Frame(null, disposes: loop));
                var ends = Loop(loop, null, conditionIsTop: true, loop.Body, default, start, report);
                _frames.RemoveAt(_frames.Count - 1);
                var after = new List<Edge<TState>>();
                foreach (var end in ends)
                {
                    // As a finally, on each edge that leaves the loop (stale ones report nothing).
                    after.Add(new Edge<TState>(_analysis.ForEachDisposed(loop, end.State, report && !end.Stale), end.Stale));
                }

                return GaveUp ? new List<Edge<TState>>() : after;
            }

            /// <summary>
            /// A switch statement as the graph lowers it: the value is evaluated (and captured) once, then
            /// compared with each case's constant in turn, section after section; a true comparison enters
            /// the section's body, the last false one goes to the default section's body, or past the
            /// switch. Where the comparisons can tell the analysis nothing (it says so of the value), every
            /// test passes its state on unchanged on both edges, so each body starts from the state after
            /// the case values before it. Breaks and the (unreachable in C#) end of each section meet after it.
            /// </summary>
            [MethodImpl(Jit.Optimized)]
            private List<Edge<TState>> Switch(ISwitchOperation @switch, List<Edge<TState>> incoming, bool report)
            {
                var state = _analysis.SwitchValue(@switch.Value, Enter(@switch, incoming), report, out var tested);
                if (tested)
                {
                    // The graph splits on each case's test of this value: states this walk does not make.
                    _diverged = true;
                    return new List<Edge<TState>>();
                }

                // The tests, in the graph's order: a section is entered from the state after each of its case values.
                var entries = new TState?[@switch.Cases.Length];
                int? defaultSection = null;
                for (var i = 0; i < entries.Length; i++)
                {
                    foreach (var clause in @switch.Cases[i].Clauses)
                    {
                        if (clause is ISingleValueCaseClauseOperation single)
                        {
                            state = _analysis.Visit(single.Value, state, report);
                            entries[i] = entries[i] is { } earlier ? _analysis.Merge(earlier, state) : state;
                        }
                        else
                        {
                            defaultSection = i;
                        }
                    }
                }

                var after = new List<Edge<TState>>();
                if (defaultSection is { } index)
                {
                    entries[index] = entries[index] is { } earlier ? _analysis.Merge(earlier, state) : state;
                }
                else
                {
                    after.Add(new Edge<TState>(state));
                }

                var frame = new Frame(null, isSwitch: true);
                _frames.Add(frame);
                for (var i = 0; i < entries.Length && !GaveUp; i++)
                {
                    var current = new List<Edge<TState>> { new Edge<TState>(entries[i]!) };
                    foreach (var statement in @switch.Cases[i].Body)
                    {
                        if (current.Count == 0)
                        {
                            break;
                        }

                        current = Statement(statement, current, report);
                    }

                    after.AddRange(current);
                }

                _frames.RemoveAt(_frames.Count - 1);
                after.AddRange(frame.Breaks);
                return GaveUp ? new List<Edge<TState>>() : after;
            }

            /// <summary>
            /// The edges that leave a block normally, through the analysis' <see cref="FlowAnalysis{TState}.LeaveBlock"/>.
            /// The edges of nested blocks that end together reach here unjoined, as the graph's branches do; those the
            /// analysis gives one state (usually the block's entry state) are kept once, so that a block holds as many
            /// edges as distinct states leave it, not one per block nested in it. (Only states the analysis changed are
            /// merged: an exit or a join takes a state it has seen again as it took it before.)
            /// </summary>
            [MethodImpl(Jit.Optimized)]
            private List<Edge<TState>> LeaveBlock(IBlockOperation block, TState entry, List<Edge<TState>> edges)
            {
                var kept = 0;
                TState? lastIn = null;
                TState? lastOut = null;
                for (var i = 0; i < edges.Count; i++)
                {
                    var state = edges[i].State;
                    var left = ReferenceEquals(state, lastIn) ? lastOut! : _analysis.LeaveBlock(block, entry, state);
                    lastIn = state;
                    lastOut = left;
                    var duplicate = false;
                    if (!ReferenceEquals(left, state))
                    {
                        for (var j = 0; j < kept && !duplicate; j++)
                        {
                            duplicate = ReferenceEquals(edges[j].State, left) && edges[j].Stale == edges[i].Stale;
                        }
                    }

                    if (!duplicate)
                    {
                        edges[kept++] = new Edge<TState>(left, edges[i].Stale);
                    }
                }

                edges.RemoveRange(kept, edges.Count - kept);
                return edges;
            }

            /// <summary>The list, emptied, holding <paramref name="state"/> if there is one (most statements leave by one edge: no new list for each).</summary>
            [MethodImpl(Jit.Optimized)]
            private static List<Edge<TState>> Single(List<Edge<TState>> list, TState? state)
            {
                list.Clear();
                if (state is not null)
                {
                    list.Add(new Edge<TState>(state));
                }

                return list;
            }

            /// <summary>
            /// A loop from the state its head is first reached with: the body is walked from the head's
            /// state and the edges back to the head are joined into it, until it no longer changes; then,
            /// when reporting, it is walked once more from that state. Returns the edges that left the
            /// loop (false conditions, breaks) on every pass, those of the passes before the last as stale.
            /// </summary>
            [MethodImpl(Jit.Optimized)]
            private List<Edge<TState>> Loop(IOperation loop, IOperation? condition, bool conditionIsTop, IOperation body, ImmutableArray<IOperation> atBottom, TState entry, bool report)
            {
                // A loop inside another keeps its head's state from the outer loop's earlier passes, as the graph's block does.
                var heads = _scope.Heads ??= new Dictionary<IOperation, TState>();
                var head = heads.TryGetValue(loop, out var earlier) ? _analysis.Merge(earlier, entry) : entry;
                var exits = new List<Edge<TState>>();
                var last = 0;
                _loops++;
                while (true)
                {
                    last = exits.Count;
                    var next = head;
                    foreach (var edge in Iterate(loop, condition, conditionIsTop, body, atBottom, head, exits, report: false))
                    {
                        next = _analysis.Merge(next, edge.State);
                    }

                    if (GaveUp || ReferenceEquals(next, head))
                    {
                        break;
                    }

                    head = next;
                }

                if (report && !GaveUp)
                {
                    last = exits.Count;
                    Iterate(loop, condition, conditionIsTop, body, atBottom, head, exits, report: true);
                }

                for (var i = 0; i < last; i++)
                {
                    exits[i] = new Edge<TState>(exits[i].State, stale: true);
                }

                heads[loop] = head;
                _loops--;
                return GaveUp ? new List<Edge<TState>>() : exits;
            }

            /// <summary>
            /// The state a statement (or condition) is visited with. Inside a loop the graph's block
            /// keeps the join of every state it was reached with, where this walk takes the latest:
            /// the two agree while each state a statement is reached with contains the earlier ones,
            /// which holds wherever the analysis is monotone. Where it does not hold, the walk stops
            /// and the body takes the graph.
            /// </summary>
            [MethodImpl(Jit.Optimized)]
            private TState Enter(IOperation statement, TState state)
            {
                if (_loops == 0)
                {
                    return state;
                }

                var seen = _scope.Seen ??= new Dictionary<IOperation, TState>();
                if (seen.TryGetValue(statement, out var earlier) && !ReferenceEquals(_analysis.Merge(state, earlier), state))
                {
                    _diverged = true;
                }

                seen[statement] = state;
                return state;
            }

            [MethodImpl(Jit.Optimized)]
            private TState Enter(IOperation statement, List<Edge<TState>> incoming) => Enter(statement, Join(incoming));

            /// <summary>One walk of a loop from its head's state: adds the edges that leave it to <paramref name="exits"/>, returns those that go back to the head.</summary>
            [MethodImpl(Jit.Optimized)]
            private List<Edge<TState>> Iterate(IOperation loop, IOperation? condition, bool conditionIsTop, IOperation body, ImmutableArray<IOperation> atBottom, TState head, List<Edge<TState>> exits, bool report)
            {
                var bodyEntry = new List<Edge<TState>> { new Edge<TState>(head) };
                if (loop is IForEachLoopOperation forEach)
                {
                    // The head's MoveNext() (a block of its own in the graph: its state is checked under the iteration
                    // variable's declarator), then Current given to the variable at the start of the body's block.
                    _analysis.ForEachNext(forEach, Enter(forEach.LoopControlVariable, head), report, out var moved, out var ended);
                    exits.Add(new Edge<TState>(ended));
                    bodyEntry = new List<Edge<TState>> { new Edge<TState>(_analysis.ForEachElement(forEach, moved, report)) };
                }
                else if (conditionIsTop && condition is not null)
                {
                    var (whenTrue, whenFalse) = Branch(condition, head, report);
                    exits.AddRange(whenFalse);
                    bodyEntry = whenTrue;
                }

                var frame = new Frame(null);
                _frames.Add(frame);
                var ends = Statement(body, bodyEntry, report);
                _frames.RemoveAt(_frames.Count - 1);
                ends.AddRange(frame.Continues);
                exits.AddRange(frame.Breaks);
                if (ends.Count == 0)
                {
                    return ends;
                }

                if (!conditionIsTop)
                {
                    // do ... while: the condition follows the body (and continue); its true edge goes back.
                    var (whenTrue, whenFalse) = Branch(condition!, Join(ends), report);
                    exits.AddRange(whenFalse);
                    return whenTrue;
                }

                if (atBottom.IsDefaultOrEmpty)
                {
                    // while (and foreach): the body's ends go straight back to the head. From more than one, the graph's
                    // solver takes the head again after the first, before the blocks of the others: states
                    // this walk does not see. (A for loop's ends meet at its increments first.)
                    _diverged |= ends.Count > 1;
                    return ends;
                }

                // for: continue and the end of the body meet at the increments.
                var bottom = new List<Edge<TState>> { new Edge<TState>(Join(ends)) };
                foreach (var increment in atBottom)
                {
                    bottom = Statement(increment, bottom, report);
                }

                return bottom;
            }

            /// <summary>
            /// An edge leaves by <c>break</c>, <c>continue</c>, <c>return</c> or <c>throw</c>: it runs
            /// the <c>finally</c> blocks it crosses, innermost first, and ends at the loop it breaks or
            /// continues, or at the exit.
            /// </summary>
            [MethodImpl(Jit.Optimized)]
            private void Leave(TState state, Exit kind, IOperation? at, bool report)
            {
                for (var i = _frames.Count - 1; i >= 0; i--)
                {
                    var frame = _frames[i];
                    if (frame.Disposes is { } forEach)
                    {
                        // The enumerator's finally, crossed on the way out of its loop.
                        state = _analysis.ForEachDisposed(forEach, state, report);
                    }
                    else if (frame.Finally is { } @finally)
                    {
                        if (!(Finally(@finally, state, i, report) is { } after))
                        {
                            // The finally never completes normally on this edge (it throws).
                            return;
                        }

                        state = after;
                    }
                    else if (kind == Exit.Break)
                    {
                        frame.Breaks.Add(new Edge<TState>(state));
                        return;
                    }
                    else if (kind == Exit.Continue && !frame.IsSwitch)
                    {
                        frame.Continues.Add(new Edge<TState>(state));
                        return;
                    }
                }

                if (report)
                {
                    _analysis.AtExit(state, kind == Exit.Throw ? ExitKind.Throw : ExitKind.Return, at);
                }
            }

            /// <summary>A finally block run from one edge, among the frames outside it: the join of the edges that leave it, or null if none does.</summary>
            [MethodImpl(Jit.Optimized)]
            private TState? Finally(IBlockOperation @finally, TState state, int outerFrames, bool report)
            {
                // The graph solves a finally afresh for each branch that runs it: nothing is joined across runs.
                var frames = _frames;
                var scope = _scope;
                var loops = _loops;
                _frames = frames.GetRange(0, outerFrames);
                _scope = new Scope();
                _loops = 0;
                var ends = Statement(@finally, new List<Edge<TState>> { new Edge<TState>(state) }, report);
                _frames = frames;
                _scope = scope;
                _loops = loops;
                return ends.Count == 0 || GaveUp ? null : Join(ends);
            }

            /// <summary>
            /// The true and false edges of a condition, as the graph splits it: one branch per operand
            /// of <c>&amp;&amp;</c>/<c>||</c>, <c>!</c> swapping the two.
            /// </summary>
            [MethodImpl(Jit.Optimized)]
            private (List<Edge<TState>> WhenTrue, List<Edge<TState>> WhenFalse) Branch(IOperation condition, TState state, bool report)
            {
                switch (condition)
                {
                    case IUnaryOperation unary when unary.OperatorKind == UnaryOperatorKind.Not:
                        {
                            var (whenTrue, whenFalse) = Branch(unary.Operand, state, report);
                            return (whenFalse, whenTrue);
                        }

                    case IBinaryOperation binary when binary.OperatorKind == BinaryOperatorKind.ConditionalAnd:
                        {
                            var (leftTrue, leftFalse) = Branch(binary.LeftOperand, state, report);
                            var (rightTrue, rightFalse) = Branch(binary.RightOperand, Join(leftTrue), report);
                            leftFalse.AddRange(rightFalse);
                            return (rightTrue, leftFalse);
                        }

                    case IBinaryOperation binary when binary.OperatorKind == BinaryOperatorKind.ConditionalOr:
                        {
                            var (leftTrue, leftFalse) = Branch(binary.LeftOperand, state, report);
                            var (rightTrue, rightFalse) = Branch(binary.RightOperand, Join(leftFalse), report);
                            leftTrue.AddRange(rightTrue);
                            return (leftTrue, rightFalse);
                        }

                    default:
                        _analysis.Split(condition, _analysis.Visit(condition, Enter(condition, state), report), out var onTrue, out var onFalse);
                        return (new List<Edge<TState>> { new Edge<TState>(onTrue) }, new List<Edge<TState>> { new Edge<TState>(onFalse) });
                }
            }

            /// <summary>The entry state of the block the edges lead to: their join (stale ones included).</summary>
            [MethodImpl(Jit.Optimized)]
            private TState Join(List<Edge<TState>> edges)
            {
                var state = edges[0].State;
                for (var i = 1; i < edges.Count; i++)
                {
                    state = _analysis.Merge(state, edges[i].State);
                }

                return state;
            }

            private enum Exit
            {
                Break,
                Continue,
                Return,
                Throw,
            }

            /// <summary>What the walk remembers between visits of the same code: per loop, its head's state; per statement in a loop, the state it was last reached with.</summary>
            private sealed class Scope
            {
                public Dictionary<IOperation, TState>? Heads { get; set; }

                public Dictionary<IOperation, TState>? Seen { get; set; }
            }

            /// <summary>A loop (collecting its breaks and continues) or the finally of a try the walk is inside.</summary>
            private sealed class Frame
            {
                /// <summary>The finally block of a try; null for a loop, (<paramref name="isSwitch"/>) a switch or (<paramref name="disposes"/>) the enumerator's finally around a <c>foreach</c>.</summary>
                public Frame(IBlockOperation? @finally, bool isSwitch = false, IForEachLoopOperation? disposes = null)
                {
                    Finally = @finally;
                    IsSwitch = isSwitch;
                    Disposes = disposes;
                }

                public IBlockOperation? Finally { get; }

                /// <summary>The <c>foreach</c> whose enumerator's disposal (a finally in the graph) an edge leaving it crosses.</summary>
                public IForEachLoopOperation? Disposes { get; }

                /// <summary>A switch: it takes the breaks of its sections, and lets a continue through to the loop around it.</summary>
                public bool IsSwitch { get; }

                public List<Edge<TState>> Breaks { get; } = new List<Edge<TState>>();

                public List<Edge<TState>> Continues { get; } = new List<Edge<TState>>();
            }
        }

        /// <summary>Statements this pass follows exactly as the graph does; counts them for the budget.</summary>
        private static bool IsStructured(IOperation statement, int depth, LoopKind loop, ref Size size)
        {
            if (depth > MaxDepth)
            {
                return false;
            }

            RuntimeHelpers.EnsureSufficientExecutionStack();

            size.Statements++;
            switch (statement)
            {
                case IBlockOperation block:
                    foreach (var inner in block.Operations)
                    {
                        if (!IsStructured(inner, depth + 1, loop, ref size))
                        {
                            return false;
                        }

                        if (BranchesToExit(inner))
                        {
                            size.GraphBlocks += 2;
                        }
                    }

                    return true;
                case IConditionalOperation conditional:
                    return IsCondition(conditional.Condition, depth + 1) && IsStructured(conditional.WhenTrue, depth + 1, loop, ref size)
                        && (conditional.WhenFalse is null || IsStructured(conditional.WhenFalse, depth + 1, loop, ref size));
                case IWhileLoopOperation whileLoop:
                    size.ForwardOnly = false;
                    // C# has no until-loops; a loop's own locals are declared in its body or condition.
                    return whileLoop.Condition is { } condition && !whileLoop.ConditionIsUntil && whileLoop.IgnoredCondition is null
                        && IsCondition(condition, depth + 1)
                        && IsStructured(whileLoop.Body, depth + 1, whileLoop.ConditionIsTop ? LoopKind.ContinueToHead : LoopKind.ContinueToBottom, ref size);
                case IForLoopOperation forLoop:
                    size.ForwardOnly = false;
                    foreach (var before in forLoop.Before)
                    {
                        if (!IsStructured(before, depth + 1, loop, ref size))
                        {
                            return false;
                        }
                    }

                    foreach (var increment in forLoop.AtLoopBottom)
                    {
                        if (!IsStructured(increment, depth + 1, loop, ref size))
                        {
                            return false;
                        }
                    }

                    return (forLoop.Condition is null || IsCondition(forLoop.Condition, depth + 1)) && forLoop.ConditionLocals.IsEmpty
                        && IsStructured(forLoop.Body, depth + 1, forLoop.AtLoopBottom.IsEmpty ? LoopKind.ContinueToHead : LoopKind.ContinueToBottom, ref size);
                case IForEachLoopOperation forEach:
                    size.ForwardOnly = false;
                    // One variable (no deconstruction, not ref), a collection the graph keeps as it is (the instance of its
                    // GetEnumerator() call), not await foreach; continue goes to the head (MoveNext), as a while loop's does.
                    return size.ForEach && !forEach.IsAsynchronous && forEach.NextVariables.IsEmpty
                        && forEach.LoopControlVariable is IVariableDeclaratorOperation { Initializer: null } variable && !variable.Symbol.IsRef
                        && variable.IgnoredArguments.IsEmpty
                        && IsPlain(forEach.Collection, depth + 1, conditionals: false)
                        && IsStructured(forEach.Body, depth + 1, LoopKind.ContinueToHead, ref size);
                case ITryOperation @try:
                    size.ForwardOnly = false;
                    // try/finally only: catch handlers start from every state of the try, block by block, in the graph.
                    return @try.Catches.IsEmpty && @try.Finally is { } @finally && @try.ExitLabel is null
                        && IsStructured(@try.Body, depth + 1, loop, ref size) && IsStructured(@finally, depth + 1, LoopKind.None, ref size);
                case ISwitchOperation @switch:
                    size.ForwardOnly = false;
                    // Sections of constant cases and default, left by break, return or throw (goto case, goto
                    // default, patterns and when clauses are the graph's); the value is tested case by case.
                    if (@switch.Value.ConstantValue.HasValue || !IsPlain(@switch.Value, depth + 1, conditionals: false))
                    {
                        return false;
                    }

                    foreach (var section in @switch.Cases)
                    {
                        foreach (var clause in section.Clauses)
                        {
                            if (!(clause is IDefaultCaseClauseOperation
                                || (clause is ISingleValueCaseClauseOperation single && single.Value.ConstantValue.HasValue && IsPlain(single.Value, depth + 1, conditionals: false))))
                            {
                                return false;
                            }
                        }

                        // break leaves the switch; continue goes on to the loop around it, where it is followed.
                        var inSection = loop == LoopKind.ContinueToBottom || loop == LoopKind.SwitchInLoopContinuingToBottom ? LoopKind.SwitchInLoopContinuingToBottom : LoopKind.Switch;
                        foreach (var inner in section.Body)
                        {
                            if (!IsStructured(inner, depth + 1, inSection, ref size))
                            {
                                return false;
                            }
                        }
                    }

                    return true;
                case IBranchOperation branch:
                    // break, of the innermost loop or switch, or continue to a block after the body, of the innermost
                    // loop (from inside a switch too). A continue to the head makes the graph's solver walk the loop again
                    // from part of its edges before the rest of the body is done: states this walk does not see.
                    return (branch.BranchKind == BranchKind.Break && loop != LoopKind.None)
                        || (branch.BranchKind == BranchKind.Continue && (loop == LoopKind.ContinueToBottom || loop == LoopKind.SwitchInLoopContinuingToBottom));
                case IReturnOperation @return:
                    return @return.Kind == OperationKind.Return && (@return.ReturnedValue is null || IsPlain(@return.ReturnedValue, depth + 1, conditionals: true));
                case IThrowOperation @throw:
                    return @throw.Exception is not null && IsPlain(@throw.Exception, depth + 1, conditionals: true);
                case IEmptyOperation _:
                    return true;
                case IExpressionStatementOperation expression:
                    return IsPlain(expression.Operation, depth + 1, conditionals: true);
                case IVariableDeclarationGroupOperation group:
                    foreach (var declaration in group.Declarations)
                    {
                        if (declaration.Initializer is not null)
                        {
                            return false;
                        }

                        foreach (var declarator in declaration.Declarators)
                        {
                            // An array-bounds initializer (int x[2]) is not followed.
                            if (!declarator.IgnoredArguments.IsEmpty
                                || (declarator.Initializer is { } initializer && !IsPlain(initializer.Value, depth + 1, conditionals: true)))
                            {
                                return false;
                            }
                        }
                    }

                    return true;
                default:
                    return false;
            }
        }

        /// <summary>The innermost loop around a statement, as far as its break and continue go.</summary>
        private enum LoopKind
        {
            None,
            /// <summary>while, foreach, or for without increments: continue goes to the head.</summary>
            ContinueToHead,
            /// <summary>do ... while, or for with increments: continue goes to a block after the body.</summary>
            ContinueToBottom,
            /// <summary>A switch section, not inside a loop whose continue goes to a block after the body: break leaves the switch; a continue is not followed.</summary>
            Switch,
            /// <summary>A switch section inside a loop whose continue goes to a block after the body: break leaves the switch, continue goes to that block.</summary>
            SwitchInLoopContinuingToBottom,
        }

        private static bool IsCondition(IOperation condition, int depth)
        {
            switch (condition)
            {
                case IUnaryOperation unary when unary.OperatorKind == UnaryOperatorKind.Not && !unary.IsLifted:
                    return depth <= MaxDepth && IsCondition(unary.Operand, depth + 1);
                case IBinaryOperation binary when (binary.OperatorKind == BinaryOperatorKind.ConditionalAnd || binary.OperatorKind == BinaryOperatorKind.ConditionalOr)
                    && !binary.IsLifted && binary.OperatorMethod is null:
                    return depth <= MaxDepth && IsCondition(binary.LeftOperand, depth + 1) && IsCondition(binary.RightOperand, depth + 1);
                default:
                    // Constant conditions are left to the graph (it keeps the branch on them, but the
                    // pass need not follow them); a ?: inside a condition would split it further.
                    return !condition.ConstantValue.HasValue && condition.Type?.SpecialType == SpecialType.System_Boolean && IsPlain(condition, depth, conditionals: false);
            }
        }

        /// <summary>
        /// An expression the graph keeps as it is: no branch inside, nothing it rewrites into captures;
        /// or, with <paramref name="conditionals"/>, a <c>?:</c> of such expressions on a plain condition,
        /// which the analysis follows itself (see <c>MappingFlow</c>).
        /// </summary>
        private static bool IsPlain(IOperation expression, int depth, bool conditionals)
        {
            if (depth > MaxDepth)
            {
                return false;
            }

            RuntimeHelpers.EnsureSufficientExecutionStack();

            switch (expression)
            {
                case ILiteralOperation _:
                case ILocalReferenceOperation _:
                case IParameterReferenceOperation _:
                case IInstanceReferenceOperation _:
                case IDefaultValueOperation _:
                case ITypeOfOperation _:
                case ISizeOfOperation _:
                case INameOfOperation _:
                    break;
                case IBinaryOperation binary when binary.OperatorKind == BinaryOperatorKind.ConditionalAnd || binary.OperatorKind == BinaryOperatorKind.ConditionalOr:
                    return false;
                case IBinaryOperation _:
                case IUnaryOperation _:
                case IConversionOperation _:
                case IFieldReferenceOperation _:
                case IPropertyReferenceOperation _:
                case IArrayElementReferenceOperation _:
                case IInvocationOperation _:
                case IArgumentOperation _:
                case ISimpleAssignmentOperation _:
                case ICompoundAssignmentOperation _:
                case IIncrementOrDecrementOperation _:
                    break;
                case IObjectCreationOperation creation when creation.Initializer is null:
                    break;
                case IArrayCreationOperation array when array.Initializer is null:
                    break;
                case IIsPatternOperation _:
                case IConstantPatternOperation _:
                case ITypePatternOperation _:
                case IDeclarationPatternOperation _:
                case INegatedPatternOperation _:
                case IBinaryPatternOperation _:
                case IRelationalPatternOperation _:
                case IDiscardPatternOperation _:
                    // x is null, x is not Foo f, n is > 0 and < 8: the graph keeps an is-pattern as it is.
                    break;
                case IConditionalOperation conditional when conditionals && !conditional.IsRef && conditional.WhenFalse is { } whenFalse:
                    // The condition is one branch (no && or ||, no ?: of its own); the arms may nest.
                    return !conditional.Condition.ConstantValue.HasValue
                        && IsPlain(conditional.Condition, depth + 1, conditionals: false)
                        && IsPlain(conditional.WhenTrue, depth + 1, conditionals: true)
                        && IsPlain(whenFalse, depth + 1, conditionals: true);
                default:
                    return false;
            }

            foreach (var child in expression.ChildOperations)
            {
                if (!IsPlain(child, depth + 1, conditionals))
                {
                    return false;
                }
            }

            return true;
        }
    }
}

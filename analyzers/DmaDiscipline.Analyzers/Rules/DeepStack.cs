using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers.Rules
{
    /// <summary>
    /// Roslyn builds an operation tree and a control-flow graph by recursion over nested expressions, with no guard of its
    /// own: a right-nested expression a thousand levels deep (<c>a + (1 + (1 + …))</c>), which the compiler still compiles,
    /// can exhaust a thread-pool thread's stack there, and a stack overflow takes the whole process (the compiler server,
    /// the IDE) down. So a body nested that deep is built, and analysed, on a thread of its own with a large stack; every
    /// other body is built where it is asked for, at the cost of one length test.
    /// </summary>
    internal static class DeepStack
    {
        // A body shorter than this cannot nest deep enough to matter (each level of nesting takes at least two characters).
        private const int LongBody = 2000;

        // Syntax levels under the body past which it is built on the large stack (Roslyn's recursion is a few frames per level).
        private const int DeepNesting = 200;

        // Ample for the deepest expression the compiler compiles (a few MB), and small enough to reserve in a 32-bit host.
        private const int StackBytes = 64 * 1024 * 1024;

        private static readonly ConditionalWeakTable<SyntaxNode, object> Deep = new ConditionalWeakTable<SyntaxNode, object>();
        private static readonly object Yes = new object();
        private static readonly object No = new object();

        /// <summary>Is <paramref name="node"/> nested deeper than the thread's stack is trusted with (counted without recursion, once per node).</summary>
        public static bool IsDeep(SyntaxNode node)
        {
            if (node.Span.Length < LongBody)
            {
                return false;
            }

            return Deep.GetValue(node, Measure) == Yes;
        }

        private static object Measure(SyntaxNode node)
        {
            var pending = new Stack<(SyntaxNode Node, int Depth)>();
            pending.Push((node, 0));
            while (pending.Count > 0)
            {
                var (current, depth) = pending.Pop();
                if (depth > DeepNesting)
                {
                    return Yes;
                }

                foreach (var child in current.ChildNodes())
                {
                    pending.Push((child, depth + 1));
                }
            }

            return No;
        }

        /// <summary><see cref="SemanticModel.GetOperation"/>, on the large stack when <paramref name="node"/> is deep.</summary>
        public static IOperation? Operation(SemanticModel model, SyntaxNode node, CancellationToken cancellationToken = default) =>
            IsDeep(node) ? OnLargeStack(() => model.GetOperation(node, cancellationToken)) : model.GetOperation(node, cancellationToken);

        /// <summary>Runs <paramref name="work"/> on the large stack when <paramref name="body"/> is deep, else here.</summary>
        public static T Run<T>(SyntaxNode body, Func<T> work) => IsDeep(body) ? OnLargeStack(work) : work();

        private static T OnLargeStack<T>(Func<T> work)
        {
            T result = default!;
            ExceptionDispatchInfo? failure = null;
            var thread = new Thread(() =>
            {
                try
                {
                    result = work();
                }
                catch (Exception exception)
                {
                    failure = ExceptionDispatchInfo.Capture(exception);
                }
            }, StackBytes)
            {
                IsBackground = true,
                Name = "DmaDiscipline deep body",
            };
            thread.Start();
            thread.Join();
            failure?.Throw();
            return result;
        }
    }
}

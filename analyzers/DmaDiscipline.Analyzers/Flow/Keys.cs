using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>Storage locations the flow analyses track by identity: locals, parameters, fields of this instance, flow captures (and the <c>?:</c> values that stand for them in a tree).</summary>
    internal static class Keys
    {
        [MethodImpl(Jit.Optimized)]
        public static object? Of(IOperation? operation)
        {
            switch (operation)
            {
                case ILocalReferenceOperation local:
                    return local.Local;
                case IParameterReferenceOperation parameter:
                    return parameter.Parameter;
                case IFieldReferenceOperation field when field.Instance is null || field.Instance is IInstanceReferenceOperation:
                    return field.Field;
                case IFlowCaptureReferenceOperation capture:
                    return capture.Id;
                case IConditionalOperation conditional when conditional.WhenFalse is not null && !conditional.IsRef:
                    // The value of a ?: in an operation tree: what the graph would hold in a flow capture.
                    return conditional;
                case IConversionOperation conversion when conversion.IsImplicit:
                    return Of(conversion.Operand);
                case IDeclarationExpressionOperation declaration:
                    return Of(declaration.Expression);
                default:
                    return null;
            }
        }

        /// <summary>
        /// A member of a tracked object, as a storage location of its own: <c>req.Hdr</c> (a local or
        /// parameter's field or settable property), <c>this.Slot.Addr</c>, a property of this. Null for
        /// anything else (indexers, members of call results, array elements themselves); a member of an
        /// array's elements (<c>rx[i].Addr</c>) is one slot for all of them. Separate from
        /// <see cref="Of"/>: only analyses that forget a slot when its object may change use it.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        public static SlotKey? SlotOf(IOperation? operation)
        {
            switch (operation)
            {
                case IFieldReferenceOperation field when !(field.Instance is null || field.Instance is IInstanceReferenceOperation):
                    return InstanceOf(field.Instance) is { } fieldOwner ? new SlotKey(fieldOwner, field.Field) : null;
                case IPropertyReferenceOperation property when property.Arguments.IsEmpty && property.Property.SetMethod is not null && property.Instance is not null:
                    return InstanceOf(property.Instance) is { } propertyOwner ? new SlotKey(propertyOwner, property.Property) : null;
                case IConversionOperation conversion when conversion.IsImplicit:
                    return SlotOf(conversion.Operand);
                default:
                    return null;
            }
        }

        [MethodImpl(Jit.Optimized)]
        private static object? InstanceOf(IOperation? instance)
        {
            if (instance is IArrayElementReferenceOperation element)
            {
                // rx[i].Addr: a member of an array's elements. All elements are one location (as the
                // array's contents are, see ElementKey): the slot stands for that member of any of them.
                return (Of(element.ArrayReference) ?? SlotOf(element.ArrayReference)) is { } array ? new ElementKey(array) : null;
            }

            return instance is IInstanceReferenceOperation ? SlotKey.This : Of(instance) ?? SlotOf(instance);
        }

        /// <summary>Is <paramref name="key"/> a member of an array's elements (<c>rx[i].Addr</c>, <c>q.Slots[i].Buf</c>): one location for all of them?</summary>
        public static bool IsElementMember(object key)
        {
            if (!(key is SlotKey slot))
            {
                return false;
            }

            for (object? owner = slot.Owner; owner is not null; owner = OwnerOf(owner))
            {
                if (owner is ElementKey)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The storage <paramref name="owner"/> is reached through: a slot's object, an array's for its elements; null at a root.</summary>
        public static object? OwnerOf(object owner) => owner is SlotKey slot ? slot.Owner : (owner as ElementKey)?.Container;

        /// <summary>Short source text of an operation for messages.</summary>
        public static string Describe(IOperation operation)
        {
            var text = operation.Syntax.ToString();
            text = text.Replace("\r", " ").Replace("\n", " ");
            if (text.Length > 60)
            {
                text = text.Substring(0, 57) + "...";
            }

            return "'" + text + "'";
        }

        public static int Line(IOperation operation) => operation.Syntax.GetLocation().GetLineSpan().StartLinePosition.Line + 1;

        [MethodImpl(Jit.Optimized)]
        public static IOperation Unwrap(IOperation operation)
        {
            while (operation is IConversionOperation conversion && conversion.IsImplicit)
            {
                operation = conversion.Operand;
            }

            return operation;
        }

        [MethodImpl(Jit.Optimized)]
        public static CaptureId? CaptureOf(IOperation operation) => (operation as IFlowCaptureReferenceOperation)?.Id;
    }

    /// <summary>A member of an object the analysis names (see <see cref="Keys.SlotOf"/>).</summary>
    internal sealed class SlotKey : System.IEquatable<SlotKey>
    {
        /// <summary>The instance the body runs on, as the owner of its properties.</summary>
        public static readonly object This = new object();

        public SlotKey(object owner, ISymbol member)
        {
            Owner = owner;
            Member = member;
        }

        /// <summary>The object's own storage: a local, parameter, field of this, <see cref="This"/>, another slot, or the elements of an array (<see cref="ElementKey"/>).</summary>
        public object Owner { get; }

        public ISymbol Member { get; }

        /// <summary>Is the slot reached through <paramref name="key"/> (its owner, or its owner's owner...)?</summary>
        public bool IsRootedAt(object key)
        {
            for (object? owner = Owner; owner is not null; owner = Keys.OwnerOf(owner))
            {
                if (owner.Equals(key))
                {
                    return true;
                }
            }

            return false;
        }

        public bool Equals(SlotKey? other) =>
            other is not null && Owner.Equals(other.Owner) && SymbolEqualityComparer.Default.Equals(Member, other.Member);

        public override bool Equals(object? obj) => Equals(obj as SlotKey);

        public override int GetHashCode() => Owner.GetHashCode() * 31 + SymbolEqualityComparer.Default.GetHashCode(Member);
    }
}

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// The memory a <c>ref</c> local refers into (<c>ref var d = ref MemoryMarshal.AsRef&lt;Desc&gt;(span)</c>),
    /// kept in the state apart from the value the local holds: a store through the local is a store into that memory.
    /// </summary>
    internal sealed class ReferenceKey : System.IEquatable<ReferenceKey>
    {
        public ReferenceKey(ILocalSymbol local) => Local = local;

        public ILocalSymbol Local { get; }

        public bool Equals(ReferenceKey? other) => other is not null && SymbolEqualityComparer.Default.Equals(Local, other.Local);

        public override bool Equals(object? obj) => Equals(obj as ReferenceKey);

        public override int GetHashCode() => SymbolEqualityComparer.Default.GetHashCode(Local) * 17;
    }
}

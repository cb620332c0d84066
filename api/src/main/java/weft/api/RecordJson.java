package weft.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The API's records as JSON through jackson-core's streaming parser and generator alone, for the command line's
 * client: Jackson's object mapper costs a command about 40 ms to start (its default date format loads the JDK's
 * locale data) and more to build a reader per record by reflection; this reads and writes the same JSON in a few.
 * It reads replies as {@link ApiCodec} does, no more tolerantly: fields it does not know are skipped, a field given twice is refused, an
 * absent or null list or map is empty, a null inside one is refused, an absent or null string is null and an absent number or
 * boolean 0 or false; a string must be a string, a boolean a boolean and an integer an integer (the mapper would
 * turn {@code "7"} or {@code 7.9} into 7, which no router sends). The types are the API's: strings, {@code int},
 * {@code long}, {@code double}, {@code boolean} (and their boxes), lists, maps with string keys, and records of them. Stateless;
 * thread-safe.
 */
final class RecordJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    private RecordJson() {
    }

    /** Reads one {@code type} from {@code json}; the whole input must be that one value. */
    static <T> T read(byte[] json, Class<T> type) throws IOException {
        return type.cast(readWhole(json, type));
    }

    /** Reads a list of {@code element}s from {@code json}. */
    static <T> List<T> readList(byte[] json, Class<T> element) throws IOException {
        List<?> read = (List<?>) readWhole(json, listOf(element));
        List<T> typed = new ArrayList<>(read.size());
        read.forEach(e -> typed.add(element.cast(e)));
        return typed;
    }

    /** A record (a request) as compact JSON, every component written (a null one as null). */
    static byte[] write(Object value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (JsonGenerator out = FACTORY.createGenerator(bytes)) {
            writeValue(out, value);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + value.getClass().getSimpleName() + " to memory", e);
        }
        return bytes.toByteArray();
    }

    private static Object readWhole(byte[] json, Type type) throws IOException {
        try (JsonParser in = FACTORY.createParser(json)) {
            if (in.nextToken() == null) throw new IOException("an empty reply where JSON was expected");
            if (in.currentToken() == JsonToken.VALUE_NULL) throw new IOException("a reply of null");
            Object value = readValue(in, type, "the reply");
            if (in.nextToken() != null) throw new IOException("more after the reply's JSON value");
            return value;
        }
    }

    private static Object readValue(JsonParser in, Type type, String where) throws IOException {
        JsonToken token = in.currentToken();
        if (type == Integer.class || type == Long.class || type == Double.class || type == Boolean.class) {
            return token == JsonToken.VALUE_NULL ? null : readValue(in, primitive((Class<?>) type), where); // a map's values
        }
        if (type instanceof ParameterizedType generic) {
            Type[] arguments = generic.getActualTypeArguments();
            if (generic.getRawType() == List.class) {
                if (token == JsonToken.VALUE_NULL) return List.of();
                expect(token == JsonToken.START_ARRAY, in, "a list", where);
                List<Object> list = new ArrayList<>();
                while (in.nextToken() != JsonToken.END_ARRAY) list.add(element(in, arguments[0], where));
                return list;
            }
            if (generic.getRawType() == Map.class && arguments[0] == String.class) {
                if (token == JsonToken.VALUE_NULL) return Map.of();
                expect(token == JsonToken.START_OBJECT, in, "an object", where);
                Map<String, Object> map = new LinkedHashMap<>();
                while (in.nextToken() == JsonToken.FIELD_NAME) {
                    String key = in.currentName();
                    in.nextToken();
                    map.put(key, element(in, arguments[1], where + "." + key));
                }
                return map;
            }
        } else if (type == String.class) {
            if (token == JsonToken.VALUE_NULL) return null;
            expect(token == JsonToken.VALUE_STRING, in, "a string", where);
            return in.getText();
        } else if (type == int.class || type == long.class) {
            if (token == JsonToken.VALUE_NULL) return defaultOf((Class<?>) type);
            expect(token == JsonToken.VALUE_NUMBER_INT, in, "an integer", where);
            return type == int.class ? (Object) in.getIntValue() : (Object) in.getLongValue();
        } else if (type == double.class) {
            if (token == JsonToken.VALUE_NULL) return 0.0;
            expect(token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT, in, "a number", where);
            return in.getDoubleValue();
        } else if (type == boolean.class) {
            if (token == JsonToken.VALUE_NULL) return false;
            expect(token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE, in, "true or false", where);
            return token == JsonToken.VALUE_TRUE;
        } else if (type instanceof Class<?> record && record.isRecord()) {
            if (token == JsonToken.VALUE_NULL) return null;
            expect(token == JsonToken.START_OBJECT, in, "an object", where);
            return readRecord(in, record, where);
        }
        throw new IllegalArgumentException("not a type of the API: " + type); // our own records never get here
    }

    private static Object element(JsonParser in, Type type, String where) throws IOException {
        if (in.currentToken() == JsonToken.VALUE_NULL) throw new IOException("a null in " + where);
        return readValue(in, type, where);
    }

    private static Object readRecord(JsonParser in, Class<?> type, String where) throws IOException {
        RecordComponent[] components = type.getRecordComponents();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < components.length; i++) index.put(components[i].getName(), i);
        Object[] values = new Object[components.length];
        boolean[] seen = new boolean[components.length];
        while (in.nextToken() == JsonToken.FIELD_NAME) {
            Integer i = index.get(in.currentName());
            in.nextToken();
            if (i == null) {
                in.skipChildren(); // a newer router's field
                continue;
            }
            // the mapper refuses a record's field given twice (once it has them all it builds the record, and the second
            // has nowhere to go) or lets the later win, depending on where the second comes: refused here wherever it comes
            if (seen[i]) throw new IOException(where + " has the field " + components[i].getName() + " twice");
            values[i] = readValue(in, components[i].getGenericType(), where + "." + components[i].getName());
            seen[i] = true;
        }
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
            if (!seen[i]) values[i] = types[i] == List.class ? List.of() : types[i] == Map.class ? Map.of() : defaultOf(types[i]);
        }
        try {
            Constructor<?> canonical = type.getDeclaredConstructor(types);
            return canonical.newInstance(values);
        } catch (InvocationTargetException e) {
            throw new IOException(where + " does not hold: " + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot make a " + type.getName(), e); // our own records always can
        }
    }

    private static Class<?> primitive(Class<?> boxed) {
        return boxed == Integer.class ? int.class : boxed == Long.class ? long.class : boxed == Double.class ? double.class : boolean.class;
    }

    private static Object defaultOf(Class<?> type) {
        if (type == int.class) return 0;
        if (type == long.class) return 0L;
        if (type == double.class) return 0.0;
        if (type == boolean.class) return false;
        return null;
    }

    private static void expect(boolean holds, JsonParser in, String what, String where) throws IOException {
        if (!holds) throw new IOException(where + " should be " + what + ", not " + in.currentToken());
    }

    private static Type listOf(Class<?> element) {
        return new ParameterizedType() {
            @Override
            public Type[] getActualTypeArguments() {
                return new Type[]{element};
            }

            @Override
            public Type getRawType() {
                return List.class;
            }

            @Override
            public Type getOwnerType() {
                return null;
            }
        };
    }

    private static void writeValue(JsonGenerator out, Object value) throws IOException {
        switch (value) {
            case null -> out.writeNull();
            case String text -> out.writeString(text);
            case Integer number -> out.writeNumber(number);
            case Long number -> out.writeNumber(number);
            case Double number -> out.writeNumber(number);
            case Boolean flag -> out.writeBoolean(flag);
            case List<?> list -> {
                out.writeStartArray();
                for (Object element : list) writeValue(out, element);
                out.writeEndArray();
            }
            case Map<?, ?> map -> {
                out.writeStartObject();
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    out.writeFieldName((String) entry.getKey());
                    writeValue(out, entry.getValue());
                }
                out.writeEndObject();
            }
            case Record record -> {
                out.writeStartObject();
                for (RecordComponent component : record.getClass().getRecordComponents()) {
                    out.writeFieldName(component.getName());
                    try {
                        writeValue(out, component.getAccessor().invoke(record));
                    } catch (ReflectiveOperationException e) {
                        throw new IllegalStateException("cannot read " + component, e); // public records' accessors are public
                    }
                }
                out.writeEndObject();
            }
            default -> throw new IllegalArgumentException("not a type of the API: " + value.getClass());
        }
    }
}

//! The Map state's own fields: the item processor, where items come from (`ItemsPath`,
//! `Items`, `ItemReader`), how they are batched and selected, where results go
//! (`ResultWriter`), and the concurrency and failure tolerance settings.
//! AWS, "Map workflow state", "ItemReader", "ItemBatcher", "ResultWriter".

use serde_json::{Map, Value};

use super::ModelIssue;
use super::machine::Branch;
use super::read::{Reader, Writer};
use super::values::{ExecutionType, NumberOrExpr, ProcessorMode};

/// Fields of a Map state (the fields common to all states live on [`super::State`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MapFields {
    /// `ItemProcessor`: the states run for each item, with its `ProcessorConfig`.
    pub item_processor: Option<Branch>,
    /// `Iterator`: the legacy name of `ItemProcessor`.
    pub iterator: Option<Branch>,
    /// `ItemsPath` (JSONPath): where the item array is in the input (default `$`).
    pub items_path: Option<String>,
    /// `Items` (JSONata): a JSON array (or object), or a `{% ... %}` expression giving one.
    pub items: Option<Value>,
    /// `ItemSelector`: the template each item is rewritten with.
    pub item_selector: Option<Value>,
    /// `ItemReader` (Distributed Map): read items from Amazon S3.
    pub item_reader: Option<ItemReader>,
    /// `ItemBatcher` (Distributed Map): group items into batches.
    pub item_batcher: Option<ItemBatcher>,
    /// `ResultWriter` (Distributed Map): export child results to Amazon S3.
    pub result_writer: Option<ResultWriter>,
    /// `MaxConcurrency`: parallel iterations (0 = as many as possible).
    pub max_concurrency: Option<NumberOrExpr>,
    /// `MaxConcurrencyPath` (JSONPath): the same, read from the input.
    pub max_concurrency_path: Option<String>,
    /// `ToleratedFailurePercentage` (Distributed Map): 0-100.
    pub tolerated_failure_percentage: Option<NumberOrExpr>,
    /// `ToleratedFailurePercentagePath` (JSONPath).
    pub tolerated_failure_percentage_path: Option<String>,
    /// `ToleratedFailureCount` (Distributed Map).
    pub tolerated_failure_count: Option<NumberOrExpr>,
    /// `ToleratedFailureCountPath` (JSONPath).
    pub tolerated_failure_count_path: Option<String>,
    /// `Label` (Distributed Map): names the Map Run (up to 40 characters).
    pub label: Option<String>,
}

impl MapFields {
    pub(crate) fn read(r: &mut Reader<'_>) -> Self {
        if !r.has("ItemProcessor") && !r.has("Iterator") {
            let p = r.pointer().to_string();
            r.issue(
                p,
                "missing required field `ItemProcessor` (or the legacy `Iterator`)".to_string(),
            );
        }
        Self {
            item_processor: r.nested("ItemProcessor", Branch::read_processor),
            iterator: r.nested("Iterator", Branch::read_processor),
            items_path: r.string("ItemsPath"),
            items: r.value("Items"),
            item_selector: r.value("ItemSelector"),
            item_reader: r.nested("ItemReader", ItemReader::read),
            item_batcher: r.nested("ItemBatcher", ItemBatcher::read),
            result_writer: r.nested("ResultWriter", ResultWriter::read),
            max_concurrency: r.number_or_expr("MaxConcurrency"),
            max_concurrency_path: r.string("MaxConcurrencyPath"),
            tolerated_failure_percentage: r.number_or_expr("ToleratedFailurePercentage"),
            tolerated_failure_percentage_path: r.string("ToleratedFailurePercentagePath"),
            tolerated_failure_count: r.number_or_expr("ToleratedFailureCount"),
            tolerated_failure_count_path: r.string("ToleratedFailureCountPath"),
            label: r.string("Label"),
        }
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        w.opt(
            "ItemProcessor",
            self.item_processor.as_ref().map(Branch::to_value),
        );
        w.opt("Iterator", self.iterator.as_ref().map(Branch::to_value));
        w.opt("ItemsPath", self.items_path.clone());
        w.opt("Items", self.items.clone());
        w.opt("ItemSelector", self.item_selector.clone());
        w.opt(
            "ItemReader",
            self.item_reader.as_ref().map(ItemReader::to_value),
        );
        w.opt(
            "ItemBatcher",
            self.item_batcher.as_ref().map(ItemBatcher::to_value),
        );
        w.opt(
            "ResultWriter",
            self.result_writer.as_ref().map(ResultWriter::to_value),
        );
        w.opt("MaxConcurrency", self.max_concurrency.clone());
        w.opt("MaxConcurrencyPath", self.max_concurrency_path.clone());
        w.opt(
            "ToleratedFailurePercentage",
            self.tolerated_failure_percentage.clone(),
        );
        w.opt(
            "ToleratedFailurePercentagePath",
            self.tolerated_failure_percentage_path.clone(),
        );
        w.opt(
            "ToleratedFailureCount",
            self.tolerated_failure_count.clone(),
        );
        w.opt(
            "ToleratedFailureCountPath",
            self.tolerated_failure_count_path.clone(),
        );
        w.opt("Label", self.label.clone());
    }

    /// The processor in effect: `ItemProcessor`, else the legacy `Iterator`.
    pub fn processor(&self) -> Option<&Branch> {
        self.item_processor.as_ref().or(self.iterator.as_ref())
    }

    /// The processor mode (`INLINE` unless the processor's `ProcessorConfig.Mode` says otherwise).
    pub fn mode(&self) -> ProcessorMode {
        self.processor()
            .and_then(|p| p.processor_config.as_ref())
            .and_then(|c| c.mode)
            .unwrap_or(ProcessorMode::Inline)
    }

    /// Whether this is a Distributed Map.
    pub fn is_distributed(&self) -> bool {
        self.mode() == ProcessorMode::Distributed
    }
}

/// `ItemProcessor.ProcessorConfig`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProcessorConfig {
    /// `Mode`: `INLINE` (default) or `DISTRIBUTED`.
    pub mode: Option<ProcessorMode>,
    /// `ExecutionType` (required for `DISTRIBUTED`): `STANDARD` or `EXPRESS`.
    pub execution_type: Option<ExecutionType>,
    /// Fields the model does not type, and typed fields of the wrong type, as written.
    pub extra: Map<String, Value>,
}

impl ProcessorConfig {
    pub(crate) fn read(obj: &Map<String, Value>, ptr: &str, issues: &mut Vec<ModelIssue>) -> Self {
        let mut r = Reader::new(obj, ptr, issues);
        let mode = r.keyword("Mode", &ProcessorMode::expected(), ProcessorMode::parse);
        let execution_type = r.keyword(
            "ExecutionType",
            &ExecutionType::expected(),
            ExecutionType::parse,
        );
        Self {
            mode,
            execution_type,
            extra: r.finish(),
        }
    }

    /// The ASL JSON.
    pub fn to_value(&self) -> Value {
        let mut w = Writer::new();
        w.opt("Mode", self.mode);
        w.opt("ExecutionType", self.execution_type);
        Value::Object(w.finish(&self.extra))
    }
}

/// `ItemReader`: an Amazon S3 data source for a Distributed Map.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ItemReader {
    /// `Resource`: the S3 integration, e.g. `arn:aws:states:::s3:getObject` or `s3:listObjectsV2`.
    pub resource: Option<String>,
    /// `ReaderConfig`.
    pub reader_config: Option<ReaderConfig>,
    /// `Parameters` (JSONPath): bucket, key, prefix...
    pub parameters: Option<Value>,
    /// `Arguments` (JSONata): the same, with `{% ... %}` expressions.
    pub arguments: Option<Value>,
    /// Fields the model does not type, and typed fields of the wrong type, as written.
    pub extra: Map<String, Value>,
}

impl ItemReader {
    pub(crate) fn read(obj: &Map<String, Value>, ptr: &str, issues: &mut Vec<ModelIssue>) -> Self {
        let mut r = Reader::new(obj, ptr, issues);
        r.require("Resource");
        let resource = r.string("Resource");
        let reader_config = r.nested("ReaderConfig", ReaderConfig::read);
        let parameters = r.value("Parameters");
        let arguments = r.value("Arguments");
        Self {
            resource,
            reader_config,
            parameters,
            arguments,
            extra: r.finish(),
        }
    }

    /// The ASL JSON.
    pub fn to_value(&self) -> Value {
        let mut w = Writer::new();
        w.opt("Resource", self.resource.clone());
        w.opt(
            "ReaderConfig",
            self.reader_config.as_ref().map(ReaderConfig::to_value),
        );
        w.opt("Parameters", self.parameters.clone());
        w.opt("Arguments", self.arguments.clone());
        Value::Object(w.finish(&self.extra))
    }
}

/// `ItemReader.ReaderConfig`. The keyword fields stay strings: AWS extends these sets as S3
/// gains formats, and the JSON Schema names the values known today.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReaderConfig {
    /// `InputType`: `CSV`, `JSON`, `JSONL`, `PARQUET` or `MANIFEST`.
    pub input_type: Option<String>,
    /// `CSVHeaderLocation`: `FIRST_ROW` or `GIVEN`.
    pub csv_header_location: Option<String>,
    /// `CSVHeaders`: column names when `CSVHeaderLocation` is `GIVEN`.
    pub csv_headers: Option<Value>,
    /// `CSVDelimiter`: `COMMA` (default), `PIPE`, `SEMICOLON`, `SPACE`, `TAB`.
    pub csv_delimiter: Option<String>,
    /// `MaxItems`: read at most this many items.
    pub max_items: Option<NumberOrExpr>,
    /// `MaxItemsPath` (JSONPath).
    pub max_items_path: Option<String>,
    /// `ManifestType`: `S3_INVENTORY` or `ATHENA_DATA`.
    pub manifest_type: Option<String>,
    /// Fields the model does not type, and typed fields of the wrong type, as written.
    pub extra: Map<String, Value>,
}

impl ReaderConfig {
    pub(crate) fn read(obj: &Map<String, Value>, ptr: &str, issues: &mut Vec<ModelIssue>) -> Self {
        let mut r = Reader::new(obj, ptr, issues);
        let out = Self {
            input_type: r.string("InputType"),
            csv_header_location: r.string("CSVHeaderLocation"),
            csv_headers: r.value("CSVHeaders"),
            csv_delimiter: r.string("CSVDelimiter"),
            max_items: r.number_or_expr("MaxItems"),
            max_items_path: r.string("MaxItemsPath"),
            manifest_type: r.string("ManifestType"),
            extra: Map::new(),
        };
        Self {
            extra: r.finish(),
            ..out
        }
    }

    /// The ASL JSON.
    pub fn to_value(&self) -> Value {
        let mut w = Writer::new();
        w.opt("InputType", self.input_type.clone());
        w.opt("CSVHeaderLocation", self.csv_header_location.clone());
        w.opt("CSVHeaders", self.csv_headers.clone());
        w.opt("CSVDelimiter", self.csv_delimiter.clone());
        w.opt("MaxItems", self.max_items.clone());
        w.opt("MaxItemsPath", self.max_items_path.clone());
        w.opt("ManifestType", self.manifest_type.clone());
        Value::Object(w.finish(&self.extra))
    }
}

/// `ItemBatcher`: group items into batches for each child execution.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ItemBatcher {
    /// `MaxItemsPerBatch`.
    pub max_items_per_batch: Option<NumberOrExpr>,
    /// `MaxItemsPerBatchPath` (JSONPath).
    pub max_items_per_batch_path: Option<String>,
    /// `MaxInputBytesPerBatch` (up to 256 KiB).
    pub max_input_bytes_per_batch: Option<NumberOrExpr>,
    /// `MaxInputBytesPerBatchPath` (JSONPath).
    pub max_input_bytes_per_batch_path: Option<String>,
    /// `BatchInput`: a fixed JSON object added to every batch.
    pub batch_input: Option<Value>,
    /// Fields the model does not type, and typed fields of the wrong type, as written.
    pub extra: Map<String, Value>,
}

impl ItemBatcher {
    pub(crate) fn read(obj: &Map<String, Value>, ptr: &str, issues: &mut Vec<ModelIssue>) -> Self {
        let mut r = Reader::new(obj, ptr, issues);
        let out = Self {
            max_items_per_batch: r.number_or_expr("MaxItemsPerBatch"),
            max_items_per_batch_path: r.string("MaxItemsPerBatchPath"),
            max_input_bytes_per_batch: r.number_or_expr("MaxInputBytesPerBatch"),
            max_input_bytes_per_batch_path: r.string("MaxInputBytesPerBatchPath"),
            batch_input: r.value("BatchInput"),
            extra: Map::new(),
        };
        Self {
            extra: r.finish(),
            ..out
        }
    }

    /// The ASL JSON.
    pub fn to_value(&self) -> Value {
        let mut w = Writer::new();
        w.opt("MaxItemsPerBatch", self.max_items_per_batch.clone());
        w.opt(
            "MaxItemsPerBatchPath",
            self.max_items_per_batch_path.clone(),
        );
        w.opt(
            "MaxInputBytesPerBatch",
            self.max_input_bytes_per_batch.clone(),
        );
        w.opt(
            "MaxInputBytesPerBatchPath",
            self.max_input_bytes_per_batch_path.clone(),
        );
        w.opt("BatchInput", self.batch_input.clone());
        Value::Object(w.finish(&self.extra))
    }
}

/// `ResultWriter`: where and how a Distributed Map exports child results.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResultWriter {
    /// `Resource`: `arn:aws:states:::s3:putObject`.
    pub resource: Option<String>,
    /// `Parameters` (JSONPath): `Bucket`, `Prefix`.
    pub parameters: Option<Value>,
    /// `Arguments` (JSONata).
    pub arguments: Option<Value>,
    /// `WriterConfig`.
    pub writer_config: Option<WriterConfig>,
    /// Fields the model does not type, and typed fields of the wrong type, as written.
    pub extra: Map<String, Value>,
}

impl ResultWriter {
    pub(crate) fn read(obj: &Map<String, Value>, ptr: &str, issues: &mut Vec<ModelIssue>) -> Self {
        let mut r = Reader::new(obj, ptr, issues);
        let resource = r.string("Resource");
        let parameters = r.value("Parameters");
        let arguments = r.value("Arguments");
        let writer_config = r.nested("WriterConfig", WriterConfig::read);
        Self {
            resource,
            parameters,
            arguments,
            writer_config,
            extra: r.finish(),
        }
    }

    /// The ASL JSON.
    pub fn to_value(&self) -> Value {
        let mut w = Writer::new();
        w.opt("Resource", self.resource.clone());
        w.opt("Parameters", self.parameters.clone());
        w.opt("Arguments", self.arguments.clone());
        w.opt(
            "WriterConfig",
            self.writer_config.as_ref().map(WriterConfig::to_value),
        );
        Value::Object(w.finish(&self.extra))
    }
}

/// `ResultWriter.WriterConfig`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WriterConfig {
    /// `OutputType`: `JSON` or `JSONL`.
    pub output_type: Option<String>,
    /// `Transformation`: `NONE`, `COMPACT` or `FLATTEN`.
    pub transformation: Option<String>,
    /// Fields the model does not type, and typed fields of the wrong type, as written.
    pub extra: Map<String, Value>,
}

impl WriterConfig {
    pub(crate) fn read(obj: &Map<String, Value>, ptr: &str, issues: &mut Vec<ModelIssue>) -> Self {
        let mut r = Reader::new(obj, ptr, issues);
        let output_type = r.string("OutputType");
        let transformation = r.string("Transformation");
        Self {
            output_type,
            transformation,
            extra: r.finish(),
        }
    }

    /// The ASL JSON.
    pub fn to_value(&self) -> Value {
        let mut w = Writer::new();
        w.opt("OutputType", self.output_type.clone());
        w.opt("Transformation", self.transformation.clone());
        Value::Object(w.finish(&self.extra))
    }
}
